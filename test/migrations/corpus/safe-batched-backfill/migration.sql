UPDATE users SET nickname = name WHERE nickname IS NULL AND id BETWEEN 1 AND 1000;
