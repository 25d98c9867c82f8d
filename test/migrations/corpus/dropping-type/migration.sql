DROP TYPE priority;
