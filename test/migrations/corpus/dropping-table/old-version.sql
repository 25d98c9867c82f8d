INSERT INTO audit_log (event) VALUES ('login');
SELECT count(*) FROM audit_log;
