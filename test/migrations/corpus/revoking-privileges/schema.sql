CREATE ROLE corpus_revoke_app;
CREATE TABLE orders (id serial PRIMARY KEY, total integer NOT NULL);
GRANT SELECT, INSERT ON orders TO corpus_revoke_app;
GRANT USAGE ON SEQUENCE orders_id_seq TO corpus_revoke_app;
INSERT INTO orders (total) VALUES (10), (20);
