-- PostgreSQL keeps each round's slot assignments in a partition of their own
-- (postgres/…_round_partitions); SQLite has no partitions. The migration is here so that
-- both backends' migrations keep one list.
SELECT 1;
