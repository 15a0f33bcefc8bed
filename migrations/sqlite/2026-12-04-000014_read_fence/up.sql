-- PostgreSQL's sessions record where their owner last wrote, for reads from a replica;
-- SQLite has no replica, and keeps the column so that both backends have one schema.
ALTER TABLE sessions ADD COLUMN read_fence TEXT;
