ALTER TABLE sessions DROP COLUMN read_fence;
