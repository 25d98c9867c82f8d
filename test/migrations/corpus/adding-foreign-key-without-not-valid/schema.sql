CREATE TABLE customers (id integer PRIMARY KEY);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id integer NOT NULL);
INSERT INTO customers VALUES (1);
INSERT INTO orders (customer_id) VALUES (1);
