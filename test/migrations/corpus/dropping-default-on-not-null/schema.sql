CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL, status text NOT NULL DEFAULT 'active');
