INSERT INTO moods (mood) VALUES ('sad');
SELECT count(*) FROM moods WHERE mood = 'sad';
