INSERT INTO orders (quantity) VALUES (7);
SELECT id FROM orders WHERE quantity > 3;
