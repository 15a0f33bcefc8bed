-- Where a session's owner last wrote on the primary (a WAL position, PostgreSQL only): its
-- next reads go to a replica only once the replica has replayed that far.
ALTER TABLE sessions ADD COLUMN read_fence TEXT;
