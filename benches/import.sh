#!/usr/bin/env bash
# Roster import benchmark (issue: foundation). Prints a Markdown table for
# docs/performance.md: `sweep import` of a 1,000,000-resident demo district into SQLite
# and PostgreSQL, beside the floor each database sets for loading the same residents.csv
# (sqlite3's .import and PostgreSQL's COPY into a plain text table). Medians of RUNS runs.
#
#   benches/import.sh [RESIDENTS] [RUNS]       (defaults: 1000000 3)
#
# Needs: sqlite3 and /usr/bin/time (Debian: sqlite3, time); for the PostgreSQL half, psql
# and a server at $PG_URL (default postgres://postgres@127.0.0.1:5432/test), where the
# script creates and drops the database sweep_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
residents=${1:-1000000}
runs=${2:-3}
pg_url=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
bench_url=${pg_url%/*}/sweep_bench

cargo build --release --quiet
sweep=$PWD/target/release/sweep
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$sweep" demo --out district --residents "$residents" --seed 1 2>/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Runs "$@" under /usr/bin/time; appends "seconds kilobytes" to the file named by $out.
timed() { /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1; cat "$work/t" >> "$out"; }
row() { # label file
    local s m
    s=$(cut -d' ' -f1 "$2" | median)
    m=$(cut -d' ' -f2 "$2" | median)
    printf '| %s | %s | %s |\n' "$1" "$s" "$((m / 1024))"
}

echo "| $residents residents, median of $runs | seconds | peak MB |"
echo "|---|---:|---:|"

out=$work/sqlite_floor
for _ in $(seq "$runs"); do
    rm -f floor.db
    timed sqlite3 floor.db ".mode csv" ".import district/residents.csv residents"
done
row "sqlite3 .import residents.csv (floor)" "$out"

out=$work/sqlite_sweep
for _ in $(seq "$runs"); do
    rm -f sweep.db sweep.db-wal sweep.db-shm
    SWEEP_DATABASE_URL=sweep.db timed "$sweep" import district
done
row "sweep import → SQLite" "$out"

if ! psql "$pg_url" -qc "SELECT 1" >/dev/null 2>&1; then
    echo "(PostgreSQL at $pg_url not reachable: its rows are skipped)" >&2
    exit 0
fi
columns="code text, name text, id_number text, phone text, building text, unit text, floor text, room text,
    household text, birth_year text, mobility text, home_visit text, available_from text, available_to text, notes text"
out=$work/pg_floor
for _ in $(seq "$runs"); do
    psql "$pg_url" -qc "DROP TABLE IF EXISTS floor_residents" -c "CREATE TABLE floor_residents ($columns)"
    timed psql "$pg_url" -qc "\\copy floor_residents FROM 'district/residents.csv' CSV HEADER"
done
psql "$pg_url" -qc "DROP TABLE floor_residents"
row "psql COPY residents.csv (floor)" "$out"

out=$work/pg_sweep
for _ in $(seq "$runs"); do
    psql "$pg_url" -qc "DROP DATABASE IF EXISTS sweep_bench" -c "CREATE DATABASE sweep_bench"
    SWEEP_DATABASE_URL=$bench_url timed "$sweep" import district
done
row "sweep import → PostgreSQL" "$out"

# PostgreSQL's own INSERT … SELECT of the same rows into the same (indexed) table: what
# the database itself needs, whoever sends the rows.
out=$work/pg_native
for _ in $(seq "$runs"); do
    psql "$bench_url" -q >/dev/null <<SQL
CREATE TABLE raw ($columns);
\\copy raw FROM 'district/residents.csv' CSV HEADER
CREATE TABLE staged AS
SELECT r.code, r.name, decode(md5(r.id_number), 'hex') AS id_hash, r.id_number AS id_masked,
       r.phone AS phone_masked, b.id AS building_id, coalesce(r.unit, '') AS unit,
       r.floor::int AS floor, coalesce(r.room, '') AS room, r.household,
       r.birth_year::int AS birth_year, r.mobility, coalesce(r.home_visit = 'yes', false) AS home_visit,
       NULL::int AS available_from, NULL::int AS available_to, coalesce(r.notes, '') AS notes
FROM raw r JOIN buildings b ON b.code = r.building;
DELETE FROM residents;
SQL
    timed psql "$bench_url" -qc "INSERT INTO residents (district_id, code, name, id_hash, id_masked,
        phone_masked, building_id, unit, floor, room, household, birth_year, mobility, home_visit,
        available_from_min, available_to_min, notes) SELECT 1, * FROM staged"
    psql "$bench_url" -qc "DROP TABLE raw" -c "DROP TABLE staged" -c "DELETE FROM residents"
done
psql "$pg_url" -qc "DROP DATABASE sweep_bench"
row "PostgreSQL INSERT … SELECT into the same table (reference)" "$out"
