CREATE ROLE corpus_rls_app;
CREATE TABLE notes (id serial PRIMARY KEY, tenant integer NOT NULL, body text NOT NULL);
GRANT SELECT, INSERT ON notes TO corpus_rls_app;
GRANT USAGE ON SEQUENCE notes_id_seq TO corpus_rls_app;
INSERT INTO notes (tenant, body) VALUES (1, 'first'), (2, 'second');
