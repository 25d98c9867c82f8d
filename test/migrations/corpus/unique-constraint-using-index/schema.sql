CREATE TABLE subscribers (id serial PRIMARY KEY, email text NOT NULL);
CREATE UNIQUE INDEX subscribers_email_idx ON subscribers (email);
