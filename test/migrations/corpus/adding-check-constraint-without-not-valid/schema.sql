CREATE TABLE products (id serial PRIMARY KEY, price numeric NOT NULL);
INSERT INTO products (price) VALUES (10), (25);
