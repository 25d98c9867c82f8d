DROP FUNCTION price_with_tax(numeric);
