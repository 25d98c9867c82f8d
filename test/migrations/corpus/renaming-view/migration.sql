ALTER VIEW named_users RENAME TO user_names;
