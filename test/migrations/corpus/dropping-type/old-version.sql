SELECT 'high'::priority;
