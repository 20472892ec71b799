"""The journey graph and the planner on HART, against a pyarrow read of HART and pyraptor.

P: best of 3 warm, in-process `pyarrow.csv` reads of every `.txt` of HART.
build_s: best of 3 warm `build_graph` for one service day (Wednesday 18 November 2020, the day
before included) on the feed tables already read (build_with_read_s: read_feed_tables included).
The build is numpy and pyarrow, nothing to compile. graph_mib: the graph's array bytes;
graph_rss_mib: RSS growth of a fresh child process from the build (the feed read before, the
graph kept after, garbage handed back), graph_peak_rss_mib: its peak above the start.
Queries (J2's `regie.journeys.plan.Planner`, numba kernels with their on-disk cache warm; the
first query of a fresh child with an empty cache is `planner_cold_first_query_s`): 200 random
earliest-arrival queries (seed 42, stops with departures, 06:00-20:00), Pareto sets up to 4
transfers, range queries over 2 h, one-to-all (`reachable`: every stop, the rest of the day) and
isochrones (the API, 1 h), each timed one by one (p50, p90).
16x: HART replicated 16 times (`bench.merge.replicate`: ids prefixed, moved k x 50 km east), the
replicas linked to their neighbours by footpaths between their 3 nearest stop pairs (10 min each);
the same earliest-arrival queries, query i between the same stops of replica i mod 16.
pyraptor 1.3.10 in its own virtual environment (pandas < 2) under the data folder's cache,
created with pip from PyPI on first use, run as a subprocess: its timetable built there from the
service day's trip instances as the graph has them (stations = stops of one name, 120 s
between them), then 20 of the same
queries (origin station, departure), 5 rounds, each timed; only the queries are timed.
Every time also as a ratio to P (`<name>_ratio`).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import best_of, feeds_dir, read_all_tables

SERVICE_DAY = date(2020, 11, 18)
TIMEZONE = "America/New_York"
QUERIES = 200
PARETO_QUERIES = 100
RANGE_QUERIES = 50
ONE_TO_ALL_QUERIES = 50
PYRAPTOR_QUERIES = 20
REPLICAS = 16
SEED = 42
PYRAPTOR = "pyraptor==1.3.10"


def hart_path() -> Path:
    return feeds_dir() / "large" / "hart_2020-11-15.zip"


def build_hart(feed, **kwargs):
    """The graph of one service day (SERVICE_DAY) of a feed (HART, or its replicas)."""
    from regie.journeys.build import build_graph

    return build_graph(feed, first_service_day=SERVICE_DAY, days=1, timezone=TIMEZONE, **kwargs)


# ---- queries ----------------------------------------------------------------------------------

def random_queries(graph, count: int, seed: int = SEED) -> list[tuple[int, int, datetime]]:
    """(origin, destination, local departure): stops with a departure, 06:00-20:00 of the day."""
    rng = np.random.default_rng(seed)
    stops = np.unique(graph.conn_dep_stop)
    origins, destinations = rng.choice(stops, count), rng.choice(stops, count)
    seconds = rng.integers(6 * 3600, 20 * 3600, count)
    day = datetime.combine(SERVICE_DAY, datetime.min.time())
    return [(int(o), int(d), day + timedelta(seconds=int(s))) for o, d, s in zip(origins, destinations, seconds,
                                                                                    strict=True)]


def timed(action, items) -> list[float]:
    times = []
    for item in items:
        started = time.perf_counter()
        action(item)
        times.append(time.perf_counter() - started)
    return times


def percentiles(times: list[float]) -> tuple[float, float]:
    return float(np.percentile(times, 50)), float(np.percentile(times, 90))


def query_times(graph, queries) -> dict[str, float]:
    from regie.journeys.plan import Planner, PlanRequest

    planner = Planner(graph)

    def request(q, **options):
        return PlanRequest(q[0], q[1], q[2], **options)

    for q in queries[:5]:  # warm: compiled kernels loaded, closures cached
        planner.earliest_arrival(request(q))
        planner.pareto(request(q, max_transfers=4))
        planner.range_query(request(q), 7200)
        planner.isochrone(PlanRequest(q[0], None, q[2]), budget_s=3600)
    ea = timed(lambda q: planner.earliest_arrival(request(q)), queries)
    found = sum(bool(planner.earliest_arrival(request(q)).journeys) for q in queries)
    pareto = timed(lambda q: planner.pareto(request(q, max_transfers=4)), queries[:PARETO_QUERIES])
    ranged = timed(lambda q: planner.range_query(request(q), 7200), queries[:RANGE_QUERIES])
    reach = timed(lambda q: planner.reachable(np.array([q[0]]), graph.seconds_at(q[2]),
                                              int(graph.day_start[1]) + 86_400 - graph.seconds_at(q[2])),
                  queries[:ONE_TO_ALL_QUERIES])
    iso = timed(lambda q: planner.isochrone(PlanRequest(q[0], None, q[2]), budget_s=3600), queries[:ONE_TO_ALL_QUERIES])
    ea50, ea90 = percentiles(ea)
    return {"ea_p50_s": ea50, "ea_p90_s": ea90, "ea_found": found, "pareto_p50_s": percentiles(pareto)[0],
            "pareto_p90_s": percentiles(pareto)[1], "range_p50_s": percentiles(ranged)[0],
            "range_p90_s": percentiles(ranged)[1], "one_to_all_p50_s": percentiles(reach)[0],
            "isochrone_p50_s": percentiles(iso)[0]}


# ---- 16 replicas ------------------------------------------------------------------------------

def replicated(feed, count: int) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """HART `count` times (bench.merge's replicas) as one feed's tables, and footpaths linking
    each replica to the next between their 3 nearest pairs of stops (10 min)."""
    from bench.merge import replicate
    from regie.gtfs.geo import haversine_m

    replicas = [replicate(feed, k)[0].tables for k in range(count)]
    tables = {name: pd.concat([r[name] for r in replicas if name in r], ignore_index=True) for name in replicas[0]}
    links = []
    for k in range(count - 1):
        west, east = replicas[k]["stops"], replicas[k + 1]["stops"]
        west = west.assign(lon=pd.to_numeric(west["stop_lon"]), lat=pd.to_numeric(west["stop_lat"])).nlargest(20, "lon")
        east = east.assign(lon=pd.to_numeric(east["stop_lon"]), lat=pd.to_numeric(east["stop_lat"])).nsmallest(20, "lon")
        pairs = west.merge(east, how="cross", suffixes=("_w", "_e"))
        pairs["m"] = haversine_m(pairs["lat_w"], pairs["lon_w"], pairs["lat_e"], pairs["lon_e"])
        for _, row in pairs.nsmallest(3, "m").iterrows():  # 3 links per neighbour pair
            links += [(row["stop_id_w"], row["stop_id_e"]), (row["stop_id_e"], row["stop_id_w"])]
    transfers = pd.DataFrame(links, columns=["from_stop_id", "to_stop_id"]).assign(duration_s=600, distance_m=np.nan,
                                                                                   kind=0)
    return tables, transfers


def replica_queries(single, replica, queries, replicas: int) -> list[tuple[int, int, datetime]]:
    """The same queries on the replicated network: query i between the same stops of replica
    i mod `replicas` (ids `r<k>-<id>`), so each has the answer it has on HART alone."""
    index = pd.Index(replica.stop_ids)
    return [(int(index.get_loc(f"r{i % replicas}-{single.stop_ids[o]}")),
             int(index.get_loc(f"r{i % replicas}-{single.stop_ids[d]}")), at) for i, (o, d, at) in enumerate(queries)]


def replicated_times(feed, single, queries, replicas: int = REPLICAS) -> dict[str, float]:
    """Build time and earliest-arrival times of `queries` (on `single`, HART's graph) on HART
    replicated `replicas` times."""
    from regie.journeys.plan import Planner, PlanRequest

    tables, transfers = replicated(feed, replicas)
    started = time.perf_counter()
    graph = build_hart(tables, transfers=transfers)
    build_s = time.perf_counter() - started
    del tables
    gc.collect()
    planner = Planner(graph)
    mapped = replica_queries(single, graph, queries, replicas)
    for q in mapped[:5]:
        planner.earliest_arrival(PlanRequest(q[0], q[1], q[2]))
    ea = timed(lambda q: planner.earliest_arrival(PlanRequest(q[0], q[1], q[2])), mapped)
    return {"build_16x_s": build_s, "connections_16x": graph.connection_count, "ea_p50_16x_s": percentiles(ea)[0],
            "ea_p90_16x_s": percentiles(ea)[1], "graph_16x_mib": graph.array_bytes() / 2**20}


# ---- memory and cold compile, in fresh child processes -----------------------------------------

def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _release() -> None:
    import contextlib
    import ctypes

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def rss_child() -> None:
    """In a fresh process: RSS growth and peak of one build, printed as JSON."""
    from regie.gtfs.feed_tables import read_feed_tables

    feed = read_feed_tables(hart_path())
    build_hart(read_feed_tables(hart_path()))  # imports and first-use allocations out of the way
    _release()
    before = _status("VmRSS")
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    graph = build_hart(feed)
    _release()
    print(json.dumps({"graph_rss_mib": _status("VmRSS") - before, "graph_peak_rss_mib": _status("VmHWM") - before,
                      "connections": graph.connection_count}))


def cold_child() -> None:
    """In a fresh process with an empty numba cache: the planner's first query, printed as JSON."""
    from regie.gtfs.feed_tables import read_feed_tables
    from regie.journeys.plan import Planner, PlanRequest

    graph = build_hart(read_feed_tables(hart_path()))
    q = random_queries(graph, 1)[0]
    started = time.perf_counter()
    Planner(graph).earliest_arrival(PlanRequest(q[0], q[1], q[2]))
    print(json.dumps({"planner_cold_first_query_s": time.perf_counter() - started}))


def _child(function: str, env: dict[str, str] | None = None) -> dict:
    code = f"import bench.journeys as b; b.{function}()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, **(env or {})}, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- pyraptor -----------------------------------------------------------------------------------

PYRAPTOR_RUNNER = r'''
import json, sys, time
import pandas as pd
from pyraptor.gtfs.timetable import GtfsTimetable, gtfs_to_pyraptor_timetable
from pyraptor.query_raptor import run_raptor
from loguru import logger
logger.remove()
folder = sys.argv[1]
gtfs = GtfsTimetable()
gtfs.trips = pd.read_csv(f"{folder}/trips.csv", dtype={"trip_id": str})
gtfs.stop_times = pd.read_csv(f"{folder}/stop_times.csv", dtype={"trip_id": str, "stop_id": str})
gtfs.stops = pd.read_csv(f"{folder}/stops.csv", dtype=str)
timetable = gtfs_to_pyraptor_timetable(gtfs)
queries = json.load(open(f"{folder}/queries.json"))
times = []
for origin, seconds in queries:
    started = time.perf_counter()
    run_raptor(timetable, origin, seconds, 5)
    times.append(time.perf_counter() - started)
print(json.dumps(times))
'''


def pyraptor_python(cache: Path) -> Path:
    """The pyraptor virtual environment's interpreter, created with pip on first use."""
    venv = cache / "pyraptor-1.3.10"
    python = venv / "bin" / "python"
    if not (venv / "ready").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", PYRAPTOR, "pandas<2", "numpy<2", "attrs"],
                       check=True, timeout=900)
        (venv / "ready").write_text(PYRAPTOR + "\n")
    return python


def pyraptor_inputs(graph, queries, folder: Path) -> None:
    """The service day's trip instances (the graph's, so interpolated and expanded alike) as
    pyraptor's GtfsTimetable reads them: trips, stop times in seconds of the day, stops; and the
    queries (origin stop's name as its station, departure seconds), in `folder`."""
    rows = np.flatnonzero(graph.trip_day[graph.conn_trip] == 1)
    rows = rows[np.lexsort((graph.conn_seq[rows], graph.conn_trip[rows]))]
    trip, day = graph.conn_trip[rows], int(graph.day_start[1])
    dep, arr = graph.conn_dep[rows] - day, graph.conn_arr[rows] - day
    first = np.r_[True, trip[1:] != trip[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    last = np.r_[trip[1:] != trip[:-1], True] if len(rows) else np.zeros(0, dtype=bool)
    arrival = np.where(first, dep, np.r_[0, arr[:-1]]) if len(rows) else dep
    position = np.arange(len(rows))
    stop_times = pd.DataFrame({  # a row per hop's departure, and one per trip for its last arrival
        "trip_id": np.r_[trip, trip[last]].astype(str), "stop_sequence": np.r_[position, position[last] + 0.5],
        "stop_id": np.r_[graph.conn_dep_stop[rows], graph.conn_arr_stop[rows][last]].astype(str),
        "arrival_time": np.r_[arrival, arr[last]], "departure_time": np.r_[dep, arr[last]]})
    stop_times = stop_times.sort_values(["trip_id", "stop_sequence"])
    stop_times["stop_sequence"] = stop_times.groupby("trip_id").cumcount() + 1
    stop_times.to_csv(folder / "stop_times.csv", index=False)
    trips = np.unique(trip).astype(str)
    pd.DataFrame({"trip_id": trips, "route_id": "", "service_id": "", "trip_short_name": pd.NA,
                  "trip_long_name": ""}).to_csv(folder / "trips.csv", index=False)
    used = np.unique(np.r_[graph.conn_dep_stop[rows], graph.conn_arr_stop[rows]])
    pd.DataFrame({"stop_id": used.astype(str), "stop_name": graph.stop_names[used], "parent_station": "x",
                  "platform_code": "?"}).to_csv(folder / "stops.csv", index=False)
    names = [(str(graph.stop_names[o]), int(graph.seconds_at(at) - day)) for o, _, at in queries]
    (folder / "queries.json").write_text(json.dumps(names))
    (folder / "runner.py").write_text(PYRAPTOR_RUNNER)


def pyraptor_times(graph, queries, cache: Path) -> list[float]:
    """pyraptor's query times on `queries`, in its own virtual environment."""
    python = pyraptor_python(cache)
    with tempfile.TemporaryDirectory() as folder:
        pyraptor_inputs(graph, queries, Path(folder))
        done = subprocess.run([str(python), f"{folder}/runner.py", folder], capture_output=True, text=True,
                              check=True, timeout=3600)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- the run ------------------------------------------------------------------------------------

def run() -> dict:
    from regie.gtfs.feed_tables import read_feed_tables
    from regie.store.paths import resolve_paths

    path = hart_path()
    read_all_tables(path)
    pyarrow_s = best_of(3, lambda: read_all_tables(path))
    feed = read_feed_tables(path)
    graph = build_hart(feed)  # warm
    build_s = best_of(3, lambda: build_hart(feed))
    build_with_read_s = best_of(3, lambda: build_hart(read_feed_tables(path)))
    print(f"P {pyarrow_s:.3f} s; build {build_s:.3f} s ({graph.connection_count} connections, "
          f"{len(graph.trip_ids)} trip instances, {graph.array_bytes() / 2**20:.1f} MiB)", file=sys.stderr)
    result: dict = {"pyarrow_read_s": pyarrow_s, "build_s": build_s, "build_with_read_s": build_with_read_s,
                    "connections": graph.connection_count, "trip_instances": len(graph.trip_ids),
                    "graph_mib": graph.array_bytes() / 2**20}
    result.update(_child("rss_child"))
    with tempfile.TemporaryDirectory() as empty:
        result.update(_child("cold_child", {"NUMBA_CACHE_DIR": empty}))
    queries = random_queries(graph, QUERIES)
    result.update(query_times(graph, queries))
    print(f"queries: {result}", file=sys.stderr)
    result.update(replicated_times(feed, graph, queries))
    try:
        raptor = pyraptor_times(graph, queries[:PYRAPTOR_QUERIES], resolve_paths().data_dir / "cache")
        result["pyraptor_p50_s"] = percentiles(raptor)[0]
        result["pyraptor_speedup_p50"] = result["pyraptor_p50_s"] / result["ea_p50_s"]
    except (subprocess.SubprocessError, OSError, ValueError) as exc:
        result["pyraptor_p50_s"] = None
        result["pyraptor_error"] = str(exc)[-500:]
    for key in [k for k in result if k.endswith("_s") and isinstance(result[k], float)]:
        result[f"{key.removesuffix('_s')}_ratio"] = round(result[key] / pyarrow_s, 4)
    result["goals"] = {"build_le_10P": result["build_s"] <= 10 * pyarrow_s, "graph_le_50MiB": result["graph_mib"] <= 50}
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in result.items()}
