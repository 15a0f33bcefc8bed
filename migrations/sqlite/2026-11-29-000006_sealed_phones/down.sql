ALTER TABLE residents DROP COLUMN phone_sealed;
