SELECT day, total FROM reporting.daily_sales;
