SET LOCAL ROLE corpus_revoke_app;
INSERT INTO orders (total) VALUES (30);
SELECT id, total FROM orders WHERE total > 15;
