ALTER TABLE tubes DROP COLUMN tested_at;
ALTER TABLE tubes DROP COLUMN ct_value;
