CREATE SCHEMA reporting;
CREATE TABLE reporting.daily_sales (day date PRIMARY KEY, total numeric NOT NULL);
