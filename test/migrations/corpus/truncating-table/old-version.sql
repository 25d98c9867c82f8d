INSERT INTO sessions (token, expires_at) VALUES ('c', now() + interval '1 hour');
SELECT id FROM sessions WHERE token = 'b' AND expires_at > now();
DELETE FROM sessions WHERE expires_at < now();
