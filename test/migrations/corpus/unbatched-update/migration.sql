UPDATE users SET name = lower(name);
