DROP FUNCTION residents_attach_loaded(BIGINT);
CREATE OR REPLACE FUNCTION district_partitions(district BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    large TEXT;
BEGIN
    FOREACH large IN ARRAY ARRAY['residents', 'slot_assignments', 'route_stops', 'samples',
                                 'visit_outcomes', 'audit'] LOOP
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES IN (%s)',
                       large || '_d' || district, large, district);
    END LOOP;
END $$;
SELECT district_partitions(id) FROM districts;
