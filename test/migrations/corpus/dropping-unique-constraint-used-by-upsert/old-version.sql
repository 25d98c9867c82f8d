-- the old version subscribes idempotently
INSERT INTO subscribers (email) VALUES ('ada@example.com') ON CONFLICT (email) DO NOTHING;
SELECT id FROM subscribers WHERE email = 'ada@example.com';
