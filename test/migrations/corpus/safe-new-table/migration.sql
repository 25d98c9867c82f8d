CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id), total numeric NOT NULL);
CREATE INDEX invoices_user_idx ON invoices (user_id);
ALTER TABLE invoices ADD COLUMN currency text NOT NULL;
