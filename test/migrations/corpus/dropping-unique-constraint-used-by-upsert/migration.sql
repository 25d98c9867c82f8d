ALTER TABLE subscribers DROP CONSTRAINT subscribers_email_key;
