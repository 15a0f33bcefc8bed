-- Not reversible on SQLite: the tables would have to be rebuilt again; restore a backup.
SELECT RAISE(ABORT, 'the district keys migration cannot be reverted; restore a backup');
