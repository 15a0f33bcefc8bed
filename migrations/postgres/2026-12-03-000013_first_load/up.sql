-- A district's first residents are loaded the way PostgreSQL loads fast: into a table of
-- their own with no index, no reference and no trigger, whose indexes, references and
-- ID hashes are then made once over the whole table, before it is attached as the
-- district's partition. Only attaching touches the partitioned table (and, through the
-- references to residents, samples and door outcomes), so the city's other districts wait
-- for it only for the moment it takes, not for the load.
--
-- A district's residents partition is therefore made by its first import, not with the
-- district: `district_partitions` no longer makes it, and the empty ones go.

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
BEGIN
    FOR district IN SELECT d.id FROM districts d
                    WHERE NOT EXISTS (SELECT 1 FROM residents r WHERE r.district_id = d.id) LOOP
        -- Detached first: samples and door outcomes reference the partitioned table.
        IF to_regclass(format('%I.%I', current_schema(), 'residents_d' || district)) IS NOT NULL THEN
            EXECUTE format('ALTER TABLE residents DETACH PARTITION %I', 'residents_d' || district);
            EXECUTE format('DROP TABLE %I', 'residents_d' || district);
        END IF;
    END LOOP;
END $$;

-- Attaches the rows a first import loaded into the temporary table `residents` as the
-- district's partition: a table like residents, its rows, then (each once, over every
-- row) the partitioned table's indexes and references and a check that every row is the
-- district's, so that attaching finds everything in place and neither builds nor scans;
-- the ID hashes go into resident_id_hashes first, whose key refuses one another district
-- has. Written from the catalogue, so that an index or reference added to residents later
-- is made here too.
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
