INSERT INTO subscribers (email) VALUES ('grace@example.com');
SELECT id FROM subscribers;
