-- Not reversed: putting the partitioned tables back into single tables is a copy of every
-- row, and a database holding several districts has no layout before this one to go to.
-- Restore a backup (pg_restore) taken before the upgrade instead.
DO $$ BEGIN RAISE EXCEPTION 'the district keys migration cannot be reverted; restore a backup'; END $$;
