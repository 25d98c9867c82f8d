CREATE TABLE audit_log (id serial PRIMARY KEY, event text NOT NULL);
