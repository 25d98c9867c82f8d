-- the old version records orders before their customer is synchronised
INSERT INTO orders (customer_id) VALUES (42);
SELECT id, customer_id FROM orders;
