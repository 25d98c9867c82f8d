CREATE TABLE customers (id serial PRIMARY KEY, email varchar(255) NOT NULL);
INSERT INTO customers (email) VALUES ('ada@example.com'), ('bob@example.com');
