-- A round's slot assignments in a partition of their own, under their district's: a plan
-- loads its million rows into a new table with no index, no reference and no trigger,
-- makes its keys, indexes and references once over the whole table (each reference one
-- join instead of a million lookups), and puts it in the place of the round's previous
-- plan, which goes whole instead of row by row. Measured on 1,000,000 rows here: 13.2 s
-- through the partition's three references and two indexes, 4.2 s without the
-- references, 2.2 s loaded bare and indexed after (docs/performance.md).

CREATE OR REPLACE FUNCTION district_partitions(district BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    large TEXT;
BEGIN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF slot_assignments FOR VALUES IN (%s) '
                   'PARTITION BY LIST (round_id)', 'slot_assignments_d' || district, district);
    FOREACH large IN ARRAY ARRAY['route_stops', 'samples', 'visit_outcomes', 'audit'] LOOP
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES IN (%s)',
                       large || '_d' || district, large, district);
    END LOOP;
END $$;

-- Every district's slot assignments so far, moved into a partition per round.
DO $$
DECLARE
    district BIGINT;
    round BIGINT;
    part TEXT;
BEGIN
    FOR district IN SELECT id FROM districts LOOP
        part := 'slot_assignments_d' || district;
        IF to_regclass(format('%I.%I', current_schema(), part)) IS NOT NULL THEN
            EXECUTE format('ALTER TABLE slot_assignments DETACH PARTITION %I', part);
            EXECUTE format('ALTER TABLE %I RENAME TO %I', part, part || '_unpartitioned');
        END IF;
        PERFORM district_partitions(district);
        FOR round IN SELECT r.id FROM rounds r WHERE r.district_id = district LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%s)',
                           part || '_r' || round, part, round);
        END LOOP;
        IF to_regclass(format('%I.%I', current_schema(), part || '_unpartitioned')) IS NOT NULL THEN
            EXECUTE format('INSERT INTO slot_assignments (district_id, round_id, resident_id, site_id, starts_min, ends_min) '
                           'SELECT district_id, round_id, resident_id, site_id, starts_min, ends_min FROM %I',
                           part || '_unpartitioned');
            EXECUTE format('DROP TABLE %I', part || '_unpartitioned');
        END IF;
    END LOOP;
END $$;

-- `name`, a key or index of the table `top`, for the table `table`: top's name in it
-- replaced by table's (`residents_building` → `residents_d3_building`).
CREATE FUNCTION partition_item_name(name TEXT, top REGCLASS, table_name TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT left(CASE WHEN starts_with(name, t.relname) THEN table_name || substring(name FROM length(t.relname) + 1)
                     ELSE table_name || '_' || name END, 63)
    FROM pg_class t WHERE t.oid = top
$$;

-- Makes the rows loaded into the temporary table `name` (which shadows the table of that
-- name for the loading connection) the partition `part` of `parent` for the value `bound`,
-- in place of the partition there for it, if any: a table like the partitioned table
-- `top`, its rows, then (each once, over every row) `top`'s keys, references and indexes,
-- and `checked` (the partition's constraint, so that attaching does not scan for it).
-- Written from the catalogue, so that an index or reference added to the table later is
-- made here too. The previous partition is dropped only at the end: until then the
-- round's plan stays readable. Keys and indexes are named after `top`'s, with the
-- partition's name for the table's.
CREATE FUNCTION attach_loaded(top REGCLASS, name TEXT, parent REGCLASS, part TEXT, bound BIGINT,
                              checked TEXT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    home TEXT := current_schema();
    loading TEXT := part || '_loading';
    item RECORD;
BEGIN
    EXECUTE format('CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                   home, loading, top);
    EXECUTE format('INSERT INTO %I.%I SELECT * FROM pg_temp.%I', home, loading, name);
    EXECUTE format('DROP TABLE pg_temp.%I', name);
    -- Keys (primary, unique) as constraints, so that attaching takes them for the parent's.
    FOR item IN SELECT c.conname AS name, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
                WHERE c.conrelid = top AND c.contype IN ('p', 'u', 'f') LOOP
        EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', home, loading,
                       partition_item_name(item.name, top, loading), item.def);
    END LOOP;
    FOR item IN SELECT c.relname AS name, i.indisunique AS is_unique, pg_get_indexdef(i.indexrelid) AS def
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = top
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = top) LOOP
        EXECUTE format('CREATE %s INDEX %I ON %I.%I %s',
                       CASE WHEN item.is_unique THEN 'UNIQUE' ELSE '' END,
                       partition_item_name(item.name, top, loading), home, loading,
                       substring(item.def FROM ' USING .*$'));
    END LOOP;
    EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I CHECK (%s)', home, loading, loading || '_bound', checked);
    EXECUTE format('DROP TABLE IF EXISTS %I.%I', home, part);
    EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', home, loading, part);
    FOR item IN SELECT c.conname AS name FROM pg_constraint c
                WHERE c.conrelid = top AND c.contype IN ('p', 'u', 'f') LOOP
        EXECUTE format('ALTER TABLE %I.%I RENAME CONSTRAINT %I TO %I', home, part,
                       partition_item_name(item.name, top, loading), partition_item_name(item.name, top, part));
    END LOOP;
    FOR item IN SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = top
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = top) LOOP
        EXECUTE format('ALTER INDEX %I.%I RENAME TO %I', home,
                       partition_item_name(item.name, top, loading), partition_item_name(item.name, top, part));
    END LOOP;
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES IN (%s)', parent, home, part, bound);
    EXECUTE format('ALTER TABLE %I.%I DROP CONSTRAINT %I', home, part, loading || '_bound');
END $$;

-- A district's first residents (migration `first_load`), through the one mechanism: the ID
-- hashes go into resident_id_hashes first, whose key refuses one another district has.
CREATE OR REPLACE FUNCTION residents_attach_loaded(district BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO %I.resident_id_hashes (id_hash, district_id) '
                   'SELECT id_hash, district_id FROM pg_temp.residents ORDER BY id_hash',
                   current_schema());
    PERFORM attach_loaded(format('%I.residents', current_schema())::regclass, 'residents',
                          format('%I.residents', current_schema())::regclass,
                          'residents_d' || district, district, format('district_id = %s', district));
END $$;

-- A round's slot plan.
CREATE FUNCTION slot_assignments_attach_loaded(district BIGINT, round BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM attach_loaded(format('%I.slot_assignments', current_schema())::regclass, 'slot_assignments',
                          format('%I.%I', current_schema(), 'slot_assignments_d' || district)::regclass,
                          'slot_assignments_d' || district || '_r' || round, round,
                          format('district_id = %s AND round_id = %s', district, round));
END $$;
