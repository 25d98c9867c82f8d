CREATE FUNCTION price_with_tax(price numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT price * 1.2 $$;
