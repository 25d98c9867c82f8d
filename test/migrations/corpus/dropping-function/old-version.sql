SELECT price_with_tax(10);
