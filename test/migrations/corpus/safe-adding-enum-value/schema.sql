CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE moods (id serial PRIMARY KEY, mood mood NOT NULL);
