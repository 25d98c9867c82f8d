CREATE TABLE sessions (id serial PRIMARY KEY, token text NOT NULL, expires_at timestamptz NOT NULL);
INSERT INTO sessions (token, expires_at) VALUES ('a', now() - interval '1 day'), ('b', now() + interval '1 day');
