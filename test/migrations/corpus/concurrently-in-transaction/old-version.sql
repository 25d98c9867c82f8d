INSERT INTO users (name) VALUES ('ada');
SELECT id FROM users WHERE name = 'ada';
