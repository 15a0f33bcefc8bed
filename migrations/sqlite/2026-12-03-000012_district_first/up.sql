-- Which district an ID number is registered in, read the same way on both backends: on
-- PostgreSQL a table kept by triggers (residents are partitioned there), here a view of
-- residents, whose `id_hash` is unique.
CREATE VIEW resident_id_hashes AS SELECT id_hash, district_id FROM residents;
