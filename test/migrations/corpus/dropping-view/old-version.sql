SELECT id, name FROM named_users;
