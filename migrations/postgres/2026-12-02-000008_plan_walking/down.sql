ALTER TABLE rounds DROP COLUMN bound_placed;
ALTER TABLE rounds DROP COLUMN bound_metres;
ALTER TABLE rounds DROP COLUMN walking_metres;
ALTER TABLE rounds DROP COLUMN placed;
