-- How good a round's slot plan is, kept with the round so that the office sees it beside
-- the slots and not only in the answer to the plan: the walkers placed and their walking
-- (kept up to date when the office moves a resident), the transportation bound — the
-- least walking any plan could have within the sites' capacity — and how many walkers the
-- bound places. NULL until the round is planned.
ALTER TABLE rounds ADD COLUMN placed BIGINT;
ALTER TABLE rounds ADD COLUMN walking_metres DOUBLE PRECISION;
ALTER TABLE rounds ADD COLUMN bound_metres DOUBLE PRECISION;
ALTER TABLE rounds ADD COLUMN bound_placed BIGINT;
