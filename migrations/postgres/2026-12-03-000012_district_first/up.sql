-- Every index of a district's large tables begins with the district, as their keys do.
--
-- Every read of these tables names its district (src/store), so that PostgreSQL looks in
-- that district's partition alone: at planning time where the district is a parameter
-- (a prepared statement's generic plan prunes when it starts), and during a join where the
-- district comes from another table (a resident's lookup finds it in resident_id_hashes).
-- An index without the district could not prune: a join through it probed every
-- district's partition, which made a lookup in a city of ten districts forty times
-- slower than in a district alone. The indexes by round alone, by resident id alone and
-- by tube alone are covered by the keys that begin with the district.
DROP INDEX residents_id_hash;
CREATE INDEX residents_id_hash ON residents (district_id, id_hash);
DROP INDEX residents_id;
DROP INDEX slot_assignments_round;
DROP INDEX route_stops_round;
DROP INDEX samples_round;
DROP INDEX samples_tube;
DROP INDEX visit_outcomes_round;
CREATE INDEX visit_outcomes_round ON visit_outcomes (district_id, round_id, resident_id);

-- A database migrated by an early `district_keys` still has the plan tables' references
-- to residents (row-by-row checks through every partition, see that migration): gone, so
-- that every database has the same layout.
ALTER TABLE slot_assignments DROP CONSTRAINT IF EXISTS slot_assignments_district_id_resident_id_fkey;
ALTER TABLE route_stops DROP CONSTRAINT IF EXISTS route_stops_district_id_resident_id_fkey;
