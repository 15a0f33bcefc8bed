DROP VIEW resident_id_hashes;
