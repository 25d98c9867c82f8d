CREATE TABLE orders (id serial PRIMARY KEY, quantity integer NOT NULL);
INSERT INTO orders (quantity) VALUES (1), (5);
