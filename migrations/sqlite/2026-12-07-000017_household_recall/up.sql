-- Whether a positive pool recalls its residents' households too (recall.include_household
-- when the round was last planned): a round's rule, so that every reader of the round —
-- the recall list, the route plan, the scan, the completion counts — applies the same one.
ALTER TABLE rounds ADD COLUMN recall_households BOOLEAN NOT NULL DEFAULT 1;
