ALTER TABLE rounds DROP COLUMN published_at;
DROP TABLE slot_moves;
DROP TABLE slot_unplaced;
DROP TABLE slot_loads;
DROP TABLE slot_assignments;
