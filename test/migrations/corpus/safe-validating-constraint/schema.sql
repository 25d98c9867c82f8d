CREATE TABLE products (id serial PRIMARY KEY, price numeric NOT NULL);
INSERT INTO products (price) VALUES (10);
ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0) NOT VALID;
