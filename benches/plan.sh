#!/usr/bin/env bash
# `sweep plan` benchmark (PostgreSQL-speed issue, item 2). Prints a Markdown table for
# docs/performance.md: a new round and a re-plan of it on a district of RESIDENTS demo
# residents, on SQLite and on PostgreSQL, each build given run side by side (interleaved
# per run), so that a change is compared with what it replaces in one run. Routes are
# searched for 1 s: the times are the slot plan's and the database's.
#
#   benches/plan.sh [RESIDENTS] [RUNS] [SWEEP_BINARY…]   (defaults: 1000000 3 target/release/sweep)
#
# Needs /usr/bin/time; for the PostgreSQL rows, psql and a server at $PG_URL (default
# postgres://postgres@127.0.0.1:5432/test), where the script creates and drops databases
# sweep_plan_bench_N.
set -euo pipefail
cd "$(dirname "$0")/.."
residents=${1:-1000000}
runs=${2:-3}
shift $(( $# < 2 ? $# : 2 ))
if [ $# -eq 0 ]; then
    cargo build --release --quiet --bin sweep
    set -- "$PWD/target/release/sweep"
fi
builds=()
for b in "$@"; do builds+=("$(realpath "$b")"); done
pg_url=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
pg=true
psql "$pg_url" -qc "SELECT 1" >/dev/null 2>&1 || { pg=false; echo "(PostgreSQL at $pg_url not reachable: its rows are skipped)" >&2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"${builds[0]}" demo --out district --residents "$residents" --seed 1 >/dev/null 2>&1

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Appends "seconds kilobytes" of "$@" to the file $out.
timed() { /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; cat "$work/t" >> "$out"; }

# One database per build and backend, imported once; each run plans a new date, then
# plans it again (the re-plan replaces the stored plan).
urls=()
for i in "${!builds[@]}"; do
    rm -f "sqlite$i.db"*
    urls+=("sqlite$i.db")
    if $pg; then
        psql "$pg_url" -qc "DROP DATABASE IF EXISTS sweep_plan_bench_$i" -c "CREATE DATABASE sweep_plan_bench_$i"
        urls+=("${pg_url%/*}/sweep_plan_bench_$i")
    fi
done
for url in "${urls[@]}"; do
    i=$(echo "$url" | grep -o '[0-9]*' | tail -1)
    SWEEP_DATABASE_URL=$url "${builds[$i]}" import district >/dev/null 2>&1
done
for run in $(seq "$runs"); do
    date=$(date -d "today + $run days" +%F)
    for url in "${urls[@]}"; do
        i=$(echo "$url" | grep -o '[0-9]*' | tail -1)
        backend=sqlite; case $url in postgres*) backend=postgres ;; esac
        out=$work/new_${backend}_$i; SWEEP_DATABASE_URL=$url timed "${builds[$i]}" plan --date "$date" --route-seconds 1
        out=$work/again_${backend}_$i; SWEEP_DATABASE_URL=$url timed "${builds[$i]}" plan --date "$date" --route-seconds 1
    done
done

echo "| build | backend | new round, s (median of $runs) | re-plan, s | peak MB |"
echo "|---|---|---:|---:|---:|"
for i in "${!builds[@]}"; do
    for backend in sqlite postgres; do
        [ -f "$work/new_${backend}_$i" ] || continue
        printf '| %s | %s | %s | %s | %s |\n' "$(basename "${builds[$i]}")" "$backend" \
            "$(cut -d' ' -f1 "$work/new_${backend}_$i" | median)" \
            "$(cut -d' ' -f1 "$work/again_${backend}_$i" | median)" \
            "$(( $(cut -d' ' -f2 "$work/new_${backend}_$i" | median) / 1024 ))"
    done
done
if $pg; then
    for i in "${!builds[@]}"; do psql "$pg_url" -qc "DROP DATABASE IF EXISTS sweep_plan_bench_$i"; done
fi
