ALTER TABLE subscribers ADD CONSTRAINT subscribers_email_key UNIQUE (email);
