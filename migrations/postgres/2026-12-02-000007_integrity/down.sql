DROP TABLE login_failures;
ALTER TABLE handled_requests DROP COLUMN fingerprint;
ALTER TABLE handled_requests DROP COLUMN endpoint;
ALTER TABLE handled_requests DROP CONSTRAINT handled_requests_pkey;
ALTER TABLE handled_requests ADD PRIMARY KEY (request_id);
ALTER TABLE tubes DROP CONSTRAINT tubes_swabs_fit;
ALTER TABLE tubes DROP COLUMN swabs;
DROP INDEX samples_one_per_attempt;
ALTER TABLE samples DROP COLUMN attempt;
