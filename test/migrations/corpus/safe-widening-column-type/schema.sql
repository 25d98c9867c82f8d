CREATE TABLE customers (id serial PRIMARY KEY, email varchar(50) NOT NULL, note varchar(20), balance numeric(7, 2) NOT NULL DEFAULT 0);
CREATE INDEX customers_email_idx ON customers (email);
INSERT INTO customers (email, note, balance) VALUES ('ada@example.com', 'vip', 12.50), ('bob@example.com', NULL, 99999.99);
