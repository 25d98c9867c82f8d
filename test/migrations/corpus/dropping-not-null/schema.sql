CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, nickname text, created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO users (name, nickname) VALUES ('ada', 'a'), ('grace', 'g');
