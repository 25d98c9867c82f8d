DROP VIEW named_users;
