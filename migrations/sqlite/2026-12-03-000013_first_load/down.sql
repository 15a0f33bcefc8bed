-- PostgreSQL loads a district's first residents into a partition of their own
-- (postgres/…_first_load); SQLite has no partitions. The migration is here so that both
-- backends' migrations keep one list.
SELECT 1;
