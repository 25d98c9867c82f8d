ALTER TABLE customers ALTER COLUMN email TYPE varchar(255);
ALTER TABLE customers ALTER COLUMN note TYPE text;
ALTER TABLE customers ALTER COLUMN balance TYPE numeric(12, 2);
