ALTER TABLE users ALTER COLUMN nickname SET DEFAULT 'anonymous';
