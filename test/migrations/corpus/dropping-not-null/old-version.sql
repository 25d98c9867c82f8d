INSERT INTO users (name, nickname) VALUES ('linus', 'l');
SELECT id, name, nickname, created_at FROM users WHERE name = 'ada';
UPDATE users SET nickname = 'ad' WHERE name = 'ada';
