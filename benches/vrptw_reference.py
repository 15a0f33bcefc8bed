#!/usr/bin/env python3
"""Reference solvers on Solomon's instances, same convention and time limit as
`sweep solve-vrptw`, each solution checked by sweep's own checker (`sweep check-vrptw`).

    python3 benches/vrptw_reference.py pyvrp|ortools SECONDS [INSTANCE ...]

Needs `pip install pyvrp ortools` and a release build of sweep. Prints one JSON line per
instance and a summary line with the mean and worst gap to the best-known solutions.
"""
import csv
import json
import math
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "vrptw"
SWEEP = ROOT / "target" / "release" / "sweep"


def read(path):
    lines = [line.split() for line in path.read_text().splitlines()]
    vehicles, capacity = next(map(int, l) for l in lines if len(l) == 2 and l[0].isdigit())
    nodes = [list(map(int, l)) for l in lines if len(l) == 7 and l[0].isdigit()]
    return vehicles, capacity, nodes


def tenths(a, b):
    return math.floor(10 * math.hypot(a[1] - b[1], a[2] - b[2]))


def solve_pyvrp(vehicles, capacity, nodes, seconds, seed=1):
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    m = Model()
    locations = [m.add_location(x=n[1], y=n[2]) for n in nodes]
    depot = m.add_depot(locations[0], tw_early=nodes[0][4] * 10, tw_late=nodes[0][5] * 10)
    m.add_vehicle_type(num_available=vehicles, capacity=[capacity], start_depot=depot, end_depot=depot,
                       tw_early=nodes[0][4] * 10, tw_late=nodes[0][5] * 10)
    for n, loc in zip(nodes[1:], locations[1:]):
        m.add_client(loc, delivery=[n[3]], service_duration=n[6] * 10, tw_early=n[4] * 10, tw_late=n[5] * 10)
    for a, la in zip(nodes, locations):
        for b, lb in zip(nodes, locations):
            d = tenths(a, b)
            m.add_edge(la, lb, distance=d, duration=d)
    result = m.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    # A client activity's idx counts clients from 0; Solomon ids count them from 1.
    return [[a.idx + 1 for a in route if a.is_client()] for route in result.best.routes()]


def solve_ortools(vehicles, capacity, nodes, seconds):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(nodes)
    manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    dist = [[tenths(a, b) for b in nodes] for a in nodes]
    distance = routing.RegisterTransitCallback(lambda i, j: dist[manager.IndexToNode(i)][manager.IndexToNode(j)])
    routing.SetArcCostEvaluatorOfAllVehicles(distance)
    service = [node[6] * 10 for node in nodes]
    time = routing.RegisterTransitCallback(
        lambda i, j: service[manager.IndexToNode(i)] + dist[manager.IndexToNode(i)][manager.IndexToNode(j)])
    horizon = nodes[0][5] * 10
    routing.AddDimension(time, horizon, horizon, False, "Time")
    dimension = routing.GetDimensionOrDie("Time")
    for node in range(1, n):
        dimension.CumulVar(manager.NodeToIndex(node)).SetRange(nodes[node][4] * 10, nodes[node][5] * 10)
    for v in range(vehicles):
        dimension.CumulVar(routing.End(v)).SetRange(0, horizon)
    demand = routing.RegisterUnaryTransitCallback(lambda i: nodes[manager.IndexToNode(i)][3])
    routing.AddDimensionWithVehicleCapacity(demand, 0, [capacity] * vehicles, True, "Load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.seconds = int(seconds)
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    routes = []
    for v in range(vehicles):
        i = routing.Start(v)
        route = []
        while not routing.IsEnd(i):
            if manager.IndexToNode(i) != 0:
                route.append(manager.IndexToNode(i))
            i = solution.Value(routing.NextVar(i))
        if route:
            routes.append(route)
    return routes


def main():
    solver, seconds, names = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    names = names or sorted(p.stem for p in (DATA / "solomon").glob("*.txt"))
    bks = {r["instance"]: float(r["distance"]) for r in csv.DictReader(open(DATA / "bks.csv")) if r["convention"] == "dimacs"}
    solve = {"pyvrp": solve_pyvrp, "ortools": solve_ortools}[solver]
    gaps = []
    for name in names:
        path = DATA / "solomon" / f"{name}.txt"
        routes = solve(*read(path), seconds)
        if routes is None:
            print(json.dumps({"solver": solver, "instance": name, "feasible": False, "error": "no solution found", "gap": None}), flush=True)
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump({"routes": routes}, f)
            f.flush()
            check = json.loads(subprocess.run([SWEEP, "check-vrptw", path, f.name], capture_output=True, text=True).stdout)
        gap = (check["distance"] / bks[name] - 1) * 100 if check["feasible"] else None
        if gap is not None:
            gaps.append(gap)
        print(json.dumps({"solver": solver, "instance": name, **check, "gap": gap}), flush=True)
    feasible = len(gaps)
    print(f"{solver} at {seconds:g} s: {feasible}/{len(names)} feasible, mean gap {sum(gaps) / max(feasible, 1):.2f}%, worst {max(gaps, default=0):.2f}%")


if __name__ == "__main__":
    main()
