-- A resident's phone, sealed with the district's key, so that the team visiting them can call; shown to nobody else.
ALTER TABLE residents ADD COLUMN phone_sealed BLOB;
