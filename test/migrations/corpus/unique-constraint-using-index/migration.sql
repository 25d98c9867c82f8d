ALTER TABLE subscribers ADD CONSTRAINT subscribers_email_key UNIQUE USING INDEX subscribers_email_idx;
