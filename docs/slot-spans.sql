-- How many slots the buildings of a planned round span, against the fewest possible
-- (people ÷ the site's largest slot capacity, rounded up), and how many buildings span
-- more than one slot over that or have a gap. Run on a SQLite district after `sweep plan`:
--   sqlite3 sweep.db < docs/slot-spans.sql
WITH spans AS (
    SELECT r.building_id, a.site_id, count(*) AS people,
           count(DISTINCT a.starts_min) AS slots,
           max(a.starts_min) - min(a.starts_min) AS width
    FROM slot_assignments a JOIN residents r ON r.id = a.resident_id
    GROUP BY r.building_id, a.site_id
), capacity AS (
    SELECT site_id, max(capacity) AS largest, min(ends_min - starts_min) AS minutes
    FROM slot_loads GROUP BY site_id
)
SELECT sum(slots) AS slots_spanned,
       sum((people + largest - 1) / largest) AS fewest_possible,
       sum(slots > (people + largest - 1) / largest + 1) AS over_by_more_than_one,
       sum(width / minutes + 1 != slots) AS with_a_gap,
       count(*) AS building_site_pairs
FROM spans JOIN capacity USING (site_id);
