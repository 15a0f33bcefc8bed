DROP INDEX visit_outcomes_round;
CREATE INDEX visit_outcomes_round ON visit_outcomes (round_id, resident_id);
CREATE INDEX samples_tube ON samples (tube_id);
CREATE INDEX samples_round ON samples (round_id, resident_id);
CREATE INDEX route_stops_round ON route_stops (round_id, resident_id);
CREATE INDEX slot_assignments_round ON slot_assignments (round_id, resident_id);
CREATE INDEX residents_id ON residents (id);
DROP INDEX residents_id_hash;
CREATE INDEX residents_id_hash ON residents (id_hash);
