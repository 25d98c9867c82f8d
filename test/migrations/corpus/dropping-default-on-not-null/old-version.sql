INSERT INTO accounts (name) VALUES ('ada');
SELECT id, status FROM accounts;
