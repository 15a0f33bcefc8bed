#!/usr/bin/env bash
# A city in one PostgreSQL (city issue). Prints Markdown for docs/performance.md:
#  1. DISTRICTS demo districts of RESIDENTS each: imported and planned one after another,
#     the last two imported at once and planned at once (seconds and peak MB per process);
#  2. one district's `sweep plan` in the full city against the same plan in a database
#     holding that district alone (the same roster, the same date, median of 3 each);
#  3. disk used by the city;
#  4. lookups, route fetches and scans spread over every district, through the API bench
#     (cargo bench --bench api -- --city), with every district's residents stored.
#
#   benches/city.sh [DISTRICTS] [RESIDENTS]          (defaults: 10 1000000)
#
# Needs /usr/bin/time, psql and a server at $PG_URL (default
# postgres://postgres@127.0.0.1:5432/test), where it makes (and leaves, for the API bench
# to be run again) the schemas bench_city and bench_alone. The rosters are written once to
# target/bench-city/RESIDENTS/.
set -euo pipefail
cd "$(dirname "$0")/.."
districts=${1:-10}
residents=${2:-1000000}
pg_url=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
date=2026-12-01
# Routes get a fixed, short search: the plans compared are the database's work.
route_seconds=2

cargo build --release --quiet
sweep=$PWD/target/release/sweep
files=$PWD/target/bench-city/$residents
if [ ! -f "$files/D$districts/residents.csv" ]; then
    mkdir -p "$files"
    "$sweep" demo --out "$files" --districts "$districts" --residents "$residents" 2>/dev/null
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT

schema_url() { echo "$pg_url?options=-csearch_path%3D$1"; }
fresh() { psql -q "$pg_url" -c "DROP SCHEMA IF EXISTS $1 CASCADE" -c "CREATE SCHEMA $1"; }
# "seconds peakMB" of one sweep command on the schema $1.
timed() {
    local schema=$1
    shift
    SWEEP_DATABASE_URL=$(schema_url "$schema") RUST_LOG=warn \
        /usr/bin/time -f "%e %M" -o "$log.$BASHPID" "$sweep" "$@" >/dev/null 2>&1
    awk '{printf "%s %d\n", $1, $2 / 1024}' "$log.$BASHPID"
    rm -f "$log.$BASHPID"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

fresh bench_city
echo "| district | import s | import peak MB | plan s | plan peak MB |"
echo "|---|---:|---:|---:|---:|"
for k in $(seq 1 $((districts - 2))); do
    timed bench_city district add "D$k" --name "District $k" >/dev/null
    read -r is im < <(timed bench_city --district "D$k" import "$files/D$k")
    read -r ps pm < <(timed bench_city --district "D$k" plan --date $date --route-seconds $route_seconds)
    timed bench_city --district "D$k" publish --date $date >/dev/null
    echo "| D$k (one after another) | $is | $im | $ps | $pm |"
done
a=D$((districts - 1)) b=D$districts
timed bench_city district add "$a" --name "$a" >/dev/null
timed bench_city district add "$b" --name "$b" >/dev/null
timed bench_city --district "$a" import "$files/$a" >"$log.a" &
timed bench_city --district "$b" import "$files/$b" >"$log.b" &
wait
timed bench_city --district "$a" plan --date $date --route-seconds $route_seconds >"$log.pa" &
timed bench_city --district "$b" plan --date $date --route-seconds $route_seconds >"$log.pb" &
wait
for d in a b; do
    read -r is im <"$log.$d"
    read -r ps pm <"$log.p$d"
    code=$([ $d = a ] && echo "$a" || echo "$b")
    echo "| $code (two at once) | $is | $im | $ps | $pm |"
    timed bench_city --district "$code" publish --date $date >/dev/null
done
rm -f "$log".*

# The first district alone in a database of its own, its plan against the same in the city.
fresh bench_alone
timed bench_alone district add D1 --name "District 1" >/dev/null
timed bench_alone --district D1 import "$files/D1" >/dev/null
# Published there as in the city: a re-plan then keeps the slots residents were told.
timed bench_alone --district D1 plan --date $date --route-seconds $route_seconds >/dev/null
timed bench_alone --district D1 publish --date $date >/dev/null
for run in 1 2 3; do
    for schema in bench_alone bench_city; do
        read -r s _ < <(timed $schema --district D1 plan --date $date --route-seconds $route_seconds)
        echo "$s" >>"$log.$schema"
    done
done
alone=$(median <"$log.bench_alone")
city=$(median <"$log.bench_city")
echo
echo "| D1's re-plan, median of 3 | seconds |"
echo "|---|---:|"
echo "| in a database holding D1 alone | $alone |"
echo "| in the city of $districts districts | $city |"
echo "| ratio | $(awk "BEGIN {printf \"%.3f\", $city / $alone}") |"

echo
psql -qAt "$pg_url" -c "SELECT '| disk used by the city (tables, indexes, TOAST) | ' ||
    pg_size_pretty(sum(pg_total_relation_size(c.oid))) || ' |'
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'bench_city' AND c.relkind = 'r'"
psql -qAt "$pg_url" -c "SELECT '| residents stored | ' || count(*) || ' |' FROM bench_city.residents"

echo
/usr/bin/time -f "API bench process: %e s, peak %M KB" \
    cargo bench --quiet --bench api -- --city "$files" --database "$(schema_url bench_city)" \
    --runs 3 --seconds 10
