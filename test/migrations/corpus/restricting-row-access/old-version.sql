SET LOCAL ROLE corpus_rls_app;
INSERT INTO notes (tenant, body) VALUES (1, 'third');
SELECT id, body FROM notes WHERE tenant = 1;
