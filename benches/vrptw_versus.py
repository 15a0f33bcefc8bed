#!/usr/bin/env python3
"""sweep builds and PyVRP side by side on Solomon's instances: per instance, each solver in
turn (interleaved, so that a noisy stretch of the machine hits all of them alike), the
same time limit, one thread each; every solution checked by `sweep check-vrptw`.

    python3 benches/vrptw_versus.py SECONDS SEED SOLVER... [-- INSTANCE...]

A SOLVER is `pyvrp` (needs `pip install pyvrp`) or the path of a sweep binary (e.g. the
release build of two commits, to compare them). Prints one JSON line per run, then per
solver the mean and worst DIMACS gap to the best-known solutions.
"""
import csv
import json
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from vrptw_reference import DATA, SWEEP, read, solve_pyvrp  # noqa: E402


def run_sweep(binary, path, seconds, seed):
    out = subprocess.run([binary, "solve-vrptw", path, "--time-limit", str(seconds), "--seed", str(seed)],
                         capture_output=True, text=True)
    return json.loads(out.stdout)["routes"]


def checked(path, routes):
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump({"routes": routes}, f)
        f.flush()
        out = subprocess.run([SWEEP, "check-vrptw", path, f.name], capture_output=True, text=True)
        return json.loads(out.stdout)


def main():
    args = sys.argv[1:]
    names = []
    if "--" in args:
        names = args[args.index("--") + 1:]
        args = args[:args.index("--")]
    seconds, seed, solvers = float(args[0]), int(args[1]), args[2:]
    names = names or sorted(p.stem for p in (DATA / "solomon").glob("*.txt"))
    bks = {r["instance"]: float(r["distance"])
           for r in csv.DictReader(open(DATA / "bks.csv")) if r["convention"] == "dimacs"}
    gaps = {s: [] for s in solvers}
    for name in names:
        path = DATA / "solomon" / f"{name}.txt"
        for solver in solvers:
            if solver == "pyvrp":
                routes = solve_pyvrp(*read(path), seconds, seed)
            else:
                routes = run_sweep(solver, path, seconds, seed)
            check = checked(path, routes)
            gap = (check["distance"] / bks[name] - 1) * 100 if check["feasible"] else None
            gaps[solver].append(gap)
            print(json.dumps({"solver": solver, "instance": name, "gap": gap, **check}), flush=True)
    for solver, g in gaps.items():
        feasible = [x for x in g if x is not None]
        print(f"{solver} at {seconds:g} s, seed {seed}: {len(feasible)}/{len(g)} feasible, "
              f"mean gap {sum(feasible) / max(len(feasible), 1):.2f}%, worst {max(feasible, default=0):.2f}%")


if __name__ == "__main__":
    main()
