ALTER FUNCTION price_with_tax(numeric) RENAME TO gross_price;
