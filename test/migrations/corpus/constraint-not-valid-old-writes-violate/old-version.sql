-- NOT VALID skips the existing rows, not the old version's new writes
INSERT INTO products (price) VALUES (0);
