-- Not reversible on SQLite: the tables rebuilt for per-district keys would have to be
-- rebuilt again, and a database holding two districts has no one-district form.
SELECT RAISE(ABORT, 'the districts migration cannot be reverted; restore a backup');
