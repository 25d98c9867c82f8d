CREATE TABLE subscribers (id serial PRIMARY KEY, email text NOT NULL, CONSTRAINT subscribers_email_key UNIQUE (email));
INSERT INTO subscribers (email) VALUES ('ada@example.com');
