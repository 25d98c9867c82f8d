INSERT INTO products (price) VALUES (0);
SELECT id, price FROM products;
