-- the old version allows subscribing twice
INSERT INTO subscribers (email) VALUES ('ada@example.com');
SELECT id FROM subscribers WHERE email = 'ada@example.com';
