-- Every whole number that is a time of day says its unit in its name: minutes after the
-- round day's midnight (`_min`: rosters, rounds, slots) or seconds (`_s`: routes, which the
-- solver plans to the second). Before, `starts_at` was minutes in slot tables and seconds in
-- route tables. Renamed in place: indexes and checks follow the columns.
ALTER TABLE residents RENAME COLUMN available_from TO available_from_min;
ALTER TABLE residents RENAME COLUMN available_to TO available_to_min;
ALTER TABLE sites RENAME COLUMN opens_at TO opens_min;
ALTER TABLE sites RENAME COLUMN closes_at TO closes_min;
ALTER TABLE teams RENAME COLUMN shift_start TO shift_start_min;
ALTER TABLE teams RENAME COLUMN shift_end TO shift_end_min;
ALTER TABLE rounds RENAME COLUMN starts_at TO starts_min;
ALTER TABLE rounds RENAME COLUMN ends_at TO ends_min;
ALTER TABLE slot_assignments RENAME COLUMN starts_at TO starts_min;
ALTER TABLE slot_assignments RENAME COLUMN ends_at TO ends_min;
ALTER TABLE slot_loads RENAME COLUMN starts_at TO starts_min;
ALTER TABLE slot_loads RENAME COLUMN ends_at TO ends_min;
ALTER TABLE slot_moves RENAME COLUMN from_starts_at TO from_starts_min;
ALTER TABLE slot_moves RENAME COLUMN to_starts_at TO to_starts_min;
ALTER TABLE team_routes RENAME COLUMN leaves_at TO leaves_s;
ALTER TABLE team_routes RENAME COLUMN returns_at TO returns_s;
ALTER TABLE route_stops RENAME COLUMN arrive_at TO arrives_s;
ALTER TABLE route_stops RENAME COLUMN starts_at TO starts_s;
ALTER TABLE route_stops RENAME COLUMN ends_at TO ends_s;
