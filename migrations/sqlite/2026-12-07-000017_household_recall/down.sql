ALTER TABLE rounds DROP COLUMN recall_households;
