INSERT INTO users (name) VALUES ('linus');
SELECT id, name, nickname FROM users;
