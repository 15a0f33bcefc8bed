-- A slot plan written the way PostgreSQL writes fast: its references checked once per
-- statement, and a re-plan written as its differences from the plan stored (below).
--
-- A slot plan's references to its round, its sites and its district, checked once per
-- statement over the distinct values the statement wrote, instead of once per row: a
-- plan's million rows named one round, one district and a few hundred sites, and the
-- three references' row-by-row checks were most of a plan's write (1,000,000 rows here:
-- 13.2 s through the references, 4.2 s without them; docs/performance.md).
--
-- What a reference does, both halves: the rows a statement adds or changes must name a
-- round, site and district that exist (and the round and site of the row's own
-- district), locked FOR KEY SHARE as a reference's check locks them, so that they cannot
-- go before this transaction ends; and a round, site or district that slot assignments
-- name cannot be deleted or given another id. (sweep deletes none of them.)

DO $$
DECLARE
    item RECORD;
BEGIN
    FOR item IN SELECT conname FROM pg_constraint
                WHERE conrelid = 'slot_assignments'::regclass AND contype = 'f' LOOP
        EXECUTE format('ALTER TABLE slot_assignments DROP CONSTRAINT %I', item.conname);
    END LOOP;
END $$;

CREATE FUNCTION slot_assignments_refer() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted BIGINT;
    held BIGINT;
BEGIN
    SELECT count(*) INTO wanted FROM (SELECT DISTINCT district_id, round_id FROM written) w;
    WITH found AS (SELECT 1 FROM rounds r
                   WHERE (r.district_id, r.id) IN (SELECT district_id, round_id FROM written)
                   FOR KEY SHARE)
    SELECT count(*) INTO held FROM found;
    IF held <> wanted THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'slot_assignments names a round that is not its district''s';
    END IF;
    SELECT count(*) INTO wanted FROM (SELECT DISTINCT district_id, site_id FROM written) w;
    WITH found AS (SELECT 1 FROM sites s
                   WHERE (s.district_id, s.id) IN (SELECT district_id, site_id FROM written)
                   FOR KEY SHARE)
    SELECT count(*) INTO held FROM found;
    IF held <> wanted THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'slot_assignments names a site that is not its district''s';
    END IF;
    -- Every round names its district (rounds.district_id references districts), and the
    -- district is locked with it.
    PERFORM 1 FROM districts d WHERE d.id IN (SELECT district_id FROM written) FOR KEY SHARE;
    RETURN NULL;
END $$;
CREATE TRIGGER slot_assignments_added AFTER INSERT ON slot_assignments
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION slot_assignments_refer();
CREATE TRIGGER slot_assignments_changed AFTER UPDATE ON slot_assignments
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION slot_assignments_refer();

CREATE FUNCTION slot_assignments_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named BOOLEAN;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'rounds' THEN
        named := EXISTS (SELECT 1 FROM slot_assignments
                         WHERE district_id = OLD.district_id AND round_id = OLD.id);
    ELSIF TG_TABLE_NAME = 'sites' THEN
        named := EXISTS (SELECT 1 FROM slot_assignments
                         WHERE district_id = OLD.district_id AND site_id = OLD.id);
    ELSE
        named := EXISTS (SELECT 1 FROM slot_assignments WHERE district_id = OLD.id);
    END IF;
    IF named THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('%s %s is named by slot assignments', TG_TABLE_NAME, OLD.id);
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER rounds_named_by_slots BEFORE DELETE OR UPDATE OF id ON rounds
    FOR EACH ROW EXECUTE FUNCTION slot_assignments_referenced();
CREATE TRIGGER sites_named_by_slots BEFORE DELETE OR UPDATE OF id ON sites
    FOR EACH ROW EXECUTE FUNCTION slot_assignments_referenced();
CREATE TRIGGER districts_named_by_slots BEFORE DELETE OR UPDATE OF id ON districts
    FOR EACH ROW EXECUTE FUNCTION slot_assignments_referenced();

-- Makes a round's stored slot assignments the plan loaded into the temporary table
-- `slot_assignments` (which shadows the table for the loading connection; it holds this
-- round's rows only): residents no longer planned are deleted, those planned elsewhere
-- updated, new ones added, and a resident whose slot stayed is not written at all. A
-- re-plan changes few residents' slots (a published round keeps every slot that still
-- fits), so it no longer deletes and writes back a million rows; a new round's rows are
-- all added.
CREATE FUNCTION replace_slot_assignments(district BIGINT, round BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    home TEXT := current_schema();
BEGIN
    ANALYZE pg_temp.slot_assignments;
    EXECUTE format('DELETE FROM %I.slot_assignments s WHERE s.district_id = $1 AND s.round_id = $2 '
                   'AND NOT EXISTS (SELECT 1 FROM pg_temp.slot_assignments n WHERE n.resident_id = s.resident_id)',
                   home) USING district, round;
    EXECUTE format('UPDATE %I.slot_assignments s '
                   'SET site_id = n.site_id, starts_min = n.starts_min, ends_min = n.ends_min '
                   'FROM pg_temp.slot_assignments n '
                   'WHERE s.district_id = $1 AND s.round_id = $2 AND n.resident_id = s.resident_id '
                   'AND (s.site_id, s.starts_min, s.ends_min) IS DISTINCT FROM (n.site_id, n.starts_min, n.ends_min)',
                   home) USING district, round;
    EXECUTE format('INSERT INTO %I.slot_assignments (district_id, round_id, resident_id, site_id, starts_min, ends_min) '
                   'SELECT n.district_id, n.round_id, n.resident_id, n.site_id, n.starts_min, n.ends_min '
                   'FROM pg_temp.slot_assignments n WHERE NOT EXISTS (SELECT 1 FROM %I.slot_assignments s '
                   'WHERE s.district_id = $1 AND s.round_id = $2 AND s.resident_id = n.resident_id)',
                   home, home) USING district, round;
    DROP TABLE pg_temp.slot_assignments;
END $$;
