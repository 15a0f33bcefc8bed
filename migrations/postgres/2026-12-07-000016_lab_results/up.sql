-- What a lab's instrument reports beside a tube's result, from a batch of results: the
-- cycle threshold (Ct) and when the tube was tested (UTC; result_at is when sweep heard).
ALTER TABLE tubes ADD COLUMN ct_value DOUBLE PRECISION;
ALTER TABLE tubes ADD COLUMN tested_at TIMESTAMP;
