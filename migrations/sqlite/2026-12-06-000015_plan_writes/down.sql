-- PostgreSQL checks a slot plan's references once per statement and writes a re-plan as
-- its differences from the plan stored (postgres/…_plan_writes); SQLite keeps its
-- references and rewrites the plan. The migration is here so that both backends'
-- migrations keep one list.
SELECT 1;
