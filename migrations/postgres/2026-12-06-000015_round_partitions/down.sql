DROP FUNCTION slot_assignments_attach_loaded(BIGINT, BIGINT);
DROP FUNCTION residents_attach_loaded(BIGINT);
DROP FUNCTION attach_loaded(REGCLASS, TEXT, REGCLASS, TEXT, BIGINT, TEXT);
DROP FUNCTION partition_item_name(TEXT, REGCLASS, TEXT);

CREATE OR REPLACE FUNCTION district_partitions(district BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    large TEXT;
BEGIN
    FOREACH large IN ARRAY ARRAY['slot_assignments', 'route_stops', 'samples', 'visit_outcomes',
                                 'audit'] LOOP
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES IN (%s)',
                       large || '_d' || district, large, district);
    END LOOP;
END $$;

DO $$
DECLARE
    district BIGINT;
    part TEXT;
BEGIN
    FOR district IN SELECT id FROM districts LOOP
        part := 'slot_assignments_d' || district;
        EXECUTE format('ALTER TABLE slot_assignments DETACH PARTITION %I', part);
        EXECUTE format('ALTER TABLE %I RENAME TO %I', part, part || '_by_round');
        PERFORM district_partitions(district);
        EXECUTE format('INSERT INTO slot_assignments (district_id, round_id, resident_id, site_id, starts_min, ends_min) '
                       'SELECT district_id, round_id, resident_id, site_id, starts_min, ends_min FROM %I',
                       part || '_by_round');
        EXECUTE format('DROP TABLE %I', part || '_by_round');
    END LOOP;
END $$;

CREATE FUNCTION residents_attach_loaded(district BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    home TEXT := current_schema();
    part TEXT := 'residents_d' || district;
    parent REGCLASS := format('%I.residents', current_schema())::regclass;
    item RECORD;
BEGIN
    EXECUTE format('CREATE TABLE %I.%I (LIKE %I.residents INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                   home, part, home);
    EXECUTE format('INSERT INTO %I.%I SELECT * FROM pg_temp.residents', home, part);
    DROP TABLE pg_temp.residents;
    EXECUTE format('INSERT INTO %I.resident_id_hashes (id_hash, district_id) SELECT id_hash, district_id FROM %I.%I ORDER BY id_hash',
                   home, home, part);
    -- Keys (primary, unique) as constraints, so that attaching takes them for the parent's.
    FOR item IN SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
                WHERE c.conrelid = parent AND c.contype IN ('p', 'u', 'f') LOOP
        EXECUTE format('ALTER TABLE %I.%I ADD %s', home, part, item.def);
    END LOOP;
    FOR item IN SELECT i.indisunique AS is_unique, pg_get_indexdef(i.indexrelid) AS def
                FROM pg_index i
                WHERE i.indrelid = parent
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = parent) LOOP
        EXECUTE format('CREATE %s INDEX ON %I.%I %s',
                       CASE WHEN item.is_unique THEN 'UNIQUE' ELSE '' END, home, part,
                       substring(item.def FROM ' USING .*$'));
    END LOOP;
    EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I CHECK (district_id = %s)',
                   home, part, part || '_district', district);
    EXECUTE format('ALTER TABLE %I.residents ATTACH PARTITION %I.%I FOR VALUES IN (%s)',
                   home, home, part, district);
    EXECUTE format('ALTER TABLE %I.%I DROP CONSTRAINT %I', home, part, part || '_district');
END $$;
