ALTER TABLE products VALIDATE CONSTRAINT price_positive;
