REVOKE INSERT ON orders FROM corpus_revoke_app;
