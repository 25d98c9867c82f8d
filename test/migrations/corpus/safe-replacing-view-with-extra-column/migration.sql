CREATE OR REPLACE VIEW named_users AS SELECT id, name, nickname FROM users;
