DROP TABLE handled_requests;
DROP TABLE audit;
DROP TABLE sessions;
ALTER TABLE teams DROP COLUMN pin_hash;
DROP TABLE accounts;
