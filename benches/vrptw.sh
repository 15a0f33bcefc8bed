#!/usr/bin/env bash
# Solomon VRPTW benchmark (home-visits issue): `sweep solve-vrptw` on all 56 instances,
# DIMACS 2021 convention, one thread, against the best-known solutions; every solution is
# checked by the independent checker inside `solve-vrptw` (an infeasible one fails the run).
#
#   benches/vrptw.sh [SECONDS] [SEED] [INSTANCES...]     (defaults: 10 1, all 56)
#
# Prints a Markdown table and the mean and worst gap. Needs python3 for the arithmetic.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
seed=${2:-1}
shift $(( $# > 2 ? 2 : $# ))
data=${VRPTW_DATA:-../shared/vrptw}
cargo build --release --quiet
instances=("$@")
if [ ${#instances[@]} -eq 0 ]; then
    instances=($(ls "$data/solomon" | sed 's/\.txt$//' | sort))
fi
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for name in "${instances[@]}"; do
    if ! target/release/sweep solve-vrptw "$data/solomon/$name.txt" --time-limit "$seconds" --seed "$seed" >> "$results"; then
        echo "$name: infeasible or failed" >&2
        exit 1
    fi
done
python3 - "$results" "$data/bks.csv" "$seconds" <<'PY'
import csv, json, sys
results = [json.loads(line) for line in open(sys.argv[1])]
bks = {r["instance"]: r for r in csv.DictReader(open(sys.argv[2])) if r["convention"] == "dimacs"}
print(f"| instance | vehicles | distance | best known | gap % |")
print("|---|---:|---:|---:|---:|")
gaps = []
for r in results:
    best = float(bks[r["instance"]]["distance"])
    gap = (r["distance"] / best - 1) * 100
    gaps.append(gap)
    print(f"| {r['instance']} | {r['vehicles']} | {r['distance']:.1f} | {best:.1f} | {gap:.2f} |")
print()
print(f"{len(gaps)} instances at {sys.argv[3]} s, all feasible: mean gap {sum(gaps)/len(gaps):.2f}%, worst {max(gaps):.2f}%")
PY
