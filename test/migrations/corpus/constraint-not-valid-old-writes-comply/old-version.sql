INSERT INTO products (price) VALUES (5);
SELECT id, price FROM products;
