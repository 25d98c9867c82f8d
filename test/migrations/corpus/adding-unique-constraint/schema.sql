CREATE TABLE subscribers (id serial PRIMARY KEY, email text NOT NULL);
INSERT INTO subscribers (email) VALUES ('ada@example.com');
