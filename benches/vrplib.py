#!/usr/bin/env python3
"""sweep and PyVRP on the same VRPLIB file (as `sweep export vrplib` writes), same time
limit, one thread each, every solution checked here from the file's own numbers.

    python3 benches/vrplib.py FILE SECONDS [SECONDS ...] [--solvers sweep,pyvrp]

For each time limit, interleaved: sweep (`sweep solve-vrptw FILE`), then PyVRP (its
ProblemData built from the file: a depot and a vehicle type per team, a duration matrix
per travel profile). Prints one JSON line per run — travel (seconds), visits made,
required visits missed, objective (travel + prizes of visits left out), feasible — and
the checker's verdict. Needs `pip install pyvrp numpy` and a release build of sweep.

The file's matrices are read with numpy, not with vrplib's reader: a district's file holds
a hundred million numbers, which vrplib parses one Python object at a time.
"""
import json
import pathlib
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
SWEEP = ROOT / "target" / "release" / "sweep"


def read(path):
    """The file's specifications and sections; matrices as n × n int64 arrays."""
    text = pathlib.Path(path).read_bytes()
    specs, sections = {}, {}
    name, start = None, None
    lines_end = len(text)
    pos = 0
    while pos < lines_end:
        nl = text.find(b"\n", pos)
        nl = lines_end if nl < 0 else nl
        line = text[pos:nl].strip()
        if line.endswith(b"_SECTION") or line == b"EOF":
            if name is not None:
                sections[name] = text[start:pos]
            if line == b"EOF":
                break
            name, start = line[: -len(b"_SECTION")].decode(), nl + 1
        elif name is None and b":" in line:
            key, value = line.decode().split(":", 1)
            specs[key.strip()] = value.strip()
        pos = nl + 1
    n = int(specs["DIMENSION"])

    def numbers(block):
        # numpy's C parser: any whitespace separates (newlines too).
        return np.fromstring(block, dtype=np.int64, sep=" ")

    def column(name, default, width=1):
        if name not in sections:
            return default
        values = numbers(sections[name]).reshape(-1, width + 1)
        return values[:, 1:] if width > 1 else values[:, 1]

    vehicles = int(specs.get("VEHICLES", 0))
    depots = numbers(sections["DEPOT"])
    depots = depots[depots != -1] - 1
    matrices = [numbers(sections["EDGE_WEIGHT"]).reshape(n, n)]
    profiles = column("VEHICLES_PROFILE", np.ones(vehicles, dtype=np.int64)) - 1
    for k in range(2, int(profiles.max()) + 2):
        m = numbers(sections[f"EDGE_WEIGHT_PROFILE_{k}"]).reshape(n, n + 1)
        matrices.append(np.ascontiguousarray(m[:, 1:]))
    return {
        "n": n,
        "depots": len(depots),
        "vehicles": vehicles,
        "capacity": column("CAPACITY", np.full(vehicles, int(specs.get("CAPACITY", 10**9)))),
        "vehicle_depot": column("VEHICLES_DEPOT", np.ones(vehicles, dtype=np.int64)) - 1,
        "profile": profiles,
        "matrices": matrices,
        "demand": column("DEMAND", np.zeros(n, dtype=np.int64)),
        "service": column("SERVICE_TIME", np.zeros(n, dtype=np.int64)),
        "window": column("TIME_WINDOW", None, 2),
        "prize": column("PRIZE", np.zeros(n, dtype=np.int64)),
    }


def check(f, routes):
    """routes: per vehicle, its places in order. Returns (travel, visited, required
    missed, objective) or raises ValueError saying what does not hold."""
    seen = set()
    travel = 0
    for k, route in enumerate(routes):
        if not route:
            continue
        d, m = int(f["vehicle_depot"][k]), f["matrices"][int(f["profile"][k])]
        t, load, here = int(f["window"][d][0]), 0, d
        for c in route:
            if c < f["depots"] or c >= f["n"] or c in seen:
                raise ValueError(f"vehicle {k}: place {c} is not a visit, or visited twice")
            seen.add(c)
            travel += int(m[here, c])
            t = max(t + int(m[here, c]), int(f["window"][c][0]))
            if t > f["window"][c][1]:
                raise ValueError(f"vehicle {k}: place {c} reached at {t}, after {f['window'][c][1]}")
            t += int(f["service"][c])
            load += int(f["demand"][c])
            here = c
        travel += int(m[here, d])
        if t + m[here, d] > f["window"][d][1]:
            raise ValueError(f"vehicle {k}: back at {t + m[here, d]}, after its shift")
        if load > f["capacity"][k]:
            raise ValueError(f"vehicle {k}: load {load} above {f['capacity'][k]}")
    left = [c for c in range(f["depots"], f["n"]) if c not in seen]
    missed = sum(1 for c in left if f["prize"][c] == 0)
    return travel, len(seen), missed, travel + sum(int(f["prize"][c]) for c in left)


def solve_sweep(path, f, seconds):
    out = subprocess.run(
        [str(SWEEP), "solve-vrptw", str(path), "--time-limit", str(seconds)],
        capture_output=True, text=True,
    )
    if not out.stdout:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout)["routes"]


def solve_pyvrp(f, seconds):
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType, solve
    from pyvrp.stop import MaxRuntime

    n, nd = f["n"], f["depots"]
    locations = [Location(0.0, 0.0) for _ in range(n)]
    depots = [Depot(location=d, tw_early=int(f["window"][d][0]), tw_late=int(f["window"][d][1]))
              for d in range(nd)]
    clients = [
        Client(location=c, delivery=[int(f["demand"][c])], service_duration=int(f["service"][c]),
               tw_early=int(f["window"][c][0]), tw_late=int(f["window"][c][1]),
               prize=int(f["prize"][c]), required=bool(f["prize"][c] == 0))
        for c in range(nd, n)
    ]
    # Vehicles alike in every respect share a type; the type's name lists them.
    types = {}
    for k in range(f["vehicles"]):
        d = int(f["vehicle_depot"][k])
        key = (int(f["capacity"][k]), d, int(f["profile"][k]))
        types.setdefault(key, []).append(k)
    vehicle_types = [
        VehicleType(num_available=len(ks), capacity=[cap], start_depot=d, end_depot=d,
                    tw_early=int(f["window"][d][0]), tw_late=int(f["window"][d][1]),
                    profile=p, name=",".join(map(str, ks)))
        for (cap, d, p), ks in types.items()
    ]
    data = ProblemData(locations, clients, depots, vehicle_types, f["matrices"], f["matrices"])
    result = solve(data, stop=MaxRuntime(seconds), seed=1, display=False)
    print(json.dumps({"pyvrp_says": {"feasible": result.is_feasible(), "cost": result.cost(),
                                     "iterations": result.num_iterations}}), flush=True)
    routes = [[] for _ in range(f["vehicles"])]
    free = {t: list(map(int, vt.name.split(","))) for t, vt in enumerate(vehicle_types)}
    for route in result.best.routes():
        k = free[route.vehicle_type()].pop(0)
        # A client activity's idx counts clients from 0; places count depots first.
        routes[k] = [nd + a.idx for a in route if a.is_client()]
    return routes


def main():
    args = sys.argv[1:]
    solvers = ["sweep", "pyvrp"]
    if "--solvers" in args:
        i = args.index("--solvers")
        solvers = args[i + 1].split(",")
        del args[i:i + 2]
    path, limits = pathlib.Path(args[0]), [float(s) for s in args[1:]]
    started = time.time()
    f = read(path)
    print(json.dumps({"file": path.name, "places": f["n"], "depots": f["depots"],
                      "profiles": len(f["matrices"]), "read_seconds": round(time.time() - started, 1)}),
          flush=True)
    for seconds in limits:
        for solver in solvers:
            began = time.time()
            routes = solve_sweep(path, f, seconds) if solver == "sweep" else solve_pyvrp(f, seconds)
            wall = time.time() - began
            row = {"solver": solver, "seconds": seconds, "wall": round(wall, 1)}
            try:
                travel, visited, missed, objective = check(f, routes)
                row.update(feasible=True, travel=travel, visited=visited,
                           required_missed=missed, objective=objective)
            except ValueError as e:
                row.update(feasible=False, error=str(e))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
