INSERT INTO customers (email) VALUES ('a.customer.with.a.rather.long.address@subdomain.example.com');
SELECT id FROM customers WHERE email = 'ada@example.com';
