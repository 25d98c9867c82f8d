INSERT INTO users (name) VALUES ('ada');
SELECT id, name FROM users;
