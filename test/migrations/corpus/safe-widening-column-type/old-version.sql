INSERT INTO customers (email, note, balance) VALUES ('cy@example.com', 'new', 10.25);
UPDATE customers SET balance = balance + 1.10, note = 'seen' WHERE email = 'ada@example.com';
SELECT id, email, note, balance FROM customers WHERE email = 'bob@example.com' AND balance > 100;
SELECT count(*) FROM customers WHERE note LIKE 'v%';
