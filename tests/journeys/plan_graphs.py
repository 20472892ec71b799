"""Graphs for the planner's tests: a small graph from a list of trips (synthetic cases, brute-force
comparisons), the reference model's graph of real feeds (ids and names prefixed "<feed>:", one
service day, stations by name), and a plain time-dependent Dijkstra over a graph's connections and
footpaths, the brute force the planner is checked against."""

from __future__ import annotations

import bisect
import heapq
import json
import tempfile
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regie.config.region import PlannerSettings
from regie.gtfs.feed_tables import read_feed_tables
from regie.integrate.integrator import OperatorFeeds, integrate_region
from regie.integrate.outputs import write_integration
from regie.journeys.build import build_graph
from regie.journeys.footpaths import read_walking_transfers
from regie.journeys.graph import ACCESSIBLE, BIKE_RIDE, WALK, JourneyGraph
from regie.store.paths import shared_feeds_dir
from tests.integrate.test_integration import bay_region, operator

INF = 1 << 30
DAY = 86400


@dataclass
class Trip:
    stops: list[int]
    times: list[int]  # arrival = departure at each stop, seconds after midnight of service day 1
    route: int = 0
    wheelchair: int = ACCESSIBLE
    no_pickup: tuple[int, ...] = ()  # positions with pickup_type 1
    no_drop_off: tuple[int, ...] = ()


def graph_from_trips(n_stops: int, trips: list[Trip], footpaths: list[tuple[int, int, int, float]] = (),
                     *, route_modes: list[int] | None = None, stop_wheelchair: list[int] | None = None,
                     foot_wheelchair: list[int] | None = None, foot_kinds: list[int] | None = None,
                     coords: np.ndarray | None = None) -> JourneyGraph:
    """A graph of one service day (2024-01-02; first_day 2024-01-01) with stop i named "S<i>",
    stops on a line 1 km apart unless `coords` (lat, lon rows) are given."""
    rows = []
    for t, trip in enumerate(trips):
        for k in range(len(trip.stops) - 1):
            flags = (0 if k in trip.no_pickup else 1) | (0 if k + 1 in trip.no_drop_off else 2)
            rows.append((trip.stops[k], trip.stops[k + 1], DAY + trip.times[k], DAY + trip.times[k + 1], t, k, flags))
    conns = np.array(rows, dtype=np.int64).reshape(-1, 7)
    conns = conns[np.lexsort((conns[:, 3], conns[:, 2]))]
    routes = route_modes or [3] * (max((t.route for t in trips), default=0) + 1)
    fp = sorted(footpaths)
    offsets = np.zeros(n_stops + 1, dtype=np.int32)
    np.cumsum(np.bincount(np.array([f[0] for f in fp], dtype=np.int64), minlength=n_stops), out=offsets[1:])
    lat = coords[:, 0] if coords is not None else 45.0 + np.arange(n_stops) * 0.009
    lon = coords[:, 1] if coords is not None else np.full(n_stops, 5.0)
    order = sorted(range(len(footpaths)), key=lambda i: footpaths[i])
    return JourneyGraph(
        first_day=date(2024, 1, 1), days=2, timezone="Europe/Paris", source_feed_version="test",
        stop_ids=np.array([f"t:S{i}" for i in range(n_stops)], dtype=object),
        stop_names=np.array([f"S{i}" for i in range(n_stops)], dtype=object),
        stop_lat=np.asarray(lat, float), stop_lon=np.asarray(lon, float), stop_parent=np.full(n_stops, -1, np.int32),
        stop_wheelchair=np.array(stop_wheelchair or [ACCESSIBLE] * n_stops, np.int8),
        stop_kind=np.zeros(n_stops, np.int8),
        conn_dep_stop=conns[:, 0].astype(np.int32), conn_arr_stop=conns[:, 1].astype(np.int32),
        conn_dep=conns[:, 2].astype(np.int32), conn_arr=conns[:, 3].astype(np.int32),
        conn_trip=conns[:, 4].astype(np.int32), conn_seq=conns[:, 5].astype(np.int32),
        conn_flags=conns[:, 6].astype(np.uint8),
        trip_ids=np.array([f"t:T{i}" for i in range(len(trips))], dtype=object),
        trip_day=np.ones(len(trips), np.int16), trip_route=np.array([t.route for t in trips], np.int32),
        trip_headsign=np.array([f"to S{t.stops[-1]}" for t in trips], dtype=object),
        trip_wheelchair=np.array([t.wheelchair for t in trips], np.int8), trip_shape=np.full(len(trips), -1, np.int32),
        route_ids=np.array([f"t:R{i}" for i in range(len(routes))], dtype=object),
        route_short_names=np.array([f"R{i}" for i in range(len(routes))], dtype=object),
        route_long_names=np.array([f"Route {i}" for i in range(len(routes))], dtype=object),
        route_mode=np.array(routes, np.int16), route_operator=np.zeros(len(routes), np.int32),
        operator_ids=np.array(["t"], dtype=object), operator_names=np.array(["Test"], dtype=object),
        foot_offsets=offsets, foot_to=np.array([f[1] for f in fp], np.int32),
        foot_duration=np.array([f[2] for f in fp], np.int32), foot_distance=np.array([f[3] for f in fp], np.float32),
        foot_kind=np.array([(foot_kinds or [WALK] * len(footpaths))[i] for i in order], np.int8),
        foot_wheelchair=np.array([(foot_wheelchair or [ACCESSIBLE] * len(footpaths))[i] for i in order], np.int8),
        day_start=np.array([0, 86400], np.int32))


# ---- the reference model --------------------------------------------------------------------

ID_COLUMNS = {"agency": ["agency_id"], "routes": ["route_id", "agency_id"],
              "trips": ["route_id", "service_id", "trip_id", "shape_id"],
              "stop_times": ["trip_id", "stop_id"], "stops": ["stop_id"], "calendar": ["service_id"],
              "calendar_dates": ["service_id"], "shapes": ["shape_id"]}


def reference_graph(feeds: dict[str, Path], service_date: date) -> JourneyGraph:
    """The reference files' model: feeds merged with ids and names prefixed "<feed>:", stations =
    stops of one feed with the same name (120 s between their stops), no other footpaths (no
    parent stations, no transfers.txt), interpolation by position, one service day without the
    trips of the day before."""
    tables: dict[str, list[pd.DataFrame]] = {}
    for prefix, path in feeds.items():
        feed = read_feed_tables(path)
        for name, frame in feed.tables.items():
            if name not in ID_COLUMNS:
                continue
            frame = frame.copy()
            if "agency_id" not in frame and name in ("agency", "routes"):
                frame["agency_id"] = ""
            for col in ID_COLUMNS[name]:
                if col in frame:
                    frame[col] = prefix + ":" + frame[col].astype(str)
            if name == "stops":
                frame["stop_name"] = prefix + ":" + frame["stop_name"].astype(str)
                frame["parent_station"] = ""
                frame["location_type"] = ""
            tables.setdefault(name, []).append(frame)
    merged = {name: pd.concat(parts, ignore_index=True).fillna("") for name, parts in tables.items()}
    stops = merged["stops"]
    pairs = stops[["stop_id", "stop_name"]].merge(stops[["stop_id", "stop_name"]], on="stop_name")
    pairs = pairs[pairs["stop_id_x"] != pairs["stop_id_y"]]
    transfers = pd.DataFrame({"from_stop_id": pairs["stop_id_x"].to_numpy(), "to_stop_id": pairs["stop_id_y"].to_numpy(),
                              "duration_s": 120.0, "distance_m": 0.0, "kind": WALK})
    graph = build_graph(merged, first_service_day=service_date, days=1, timezone="UTC", transfers=transfers,
                        settings=PlannerSettings(interpolation="position"))
    return only_day(graph, 1)


REFERENCE_FEEDS = {
    "hart": {"hart": "large/hart_2020-11-15.zip"},
    "bayarea3": {"bart": "regional_bayarea/bart_2018-05-26.zip", "caltrain": "regional_bayarea/caltrain_2017-10-02.zip",
                 "cccta": "regional_bayarea/countyconnection_2018-08-12.zip"},
}
REFERENCE_DATES = {"hart": date(2021, 1, 13), "bayarea3": date(2018, 9, 12)}
BAY_DAY = date(2018, 9, 12)


@lru_cache(maxsize=2)
def network(name: str) -> JourneyGraph:
    """The reference model's graph of "hart" or "bayarea3" (built once per test process)."""
    feeds = {prefix: shared_feeds_dir() / path for prefix, path in REFERENCE_FEEDS[name].items()}
    return reference_graph(feeds, REFERENCE_DATES[name])


def only_day(graph: JourneyGraph, day: int) -> JourneyGraph:
    """The graph with the connections of one service day's trips only."""
    keep = graph.trip_day[graph.conn_trip] == day
    fields = {name: getattr(graph, name) for name in graph.__dataclass_fields__}
    for name in ("conn_dep_stop", "conn_arr_stop", "conn_dep", "conn_arr", "conn_trip", "conn_seq", "conn_flags",
                 "conn_shape_dist", "conn_arr_shape_dist"):
        values = fields[name]
        if len(values) == len(keep):
            fields[name] = values[keep]
    return JourneyGraph(**fields)


def same_name_pairs(stops: pd.DataFrame) -> pd.DataFrame:
    """The reference model's stations: stops of one operator with the same name, 120 s apart."""
    frame = pd.DataFrame({"id": stops["stop_id"], "key": stops["stop_id"].str.split(":").str[0] + "|" + stops["stop_name"]})
    pairs = frame.merge(frame, on="key")
    pairs = pairs[pairs["id_x"] != pairs["id_y"]]
    return pd.DataFrame({"from_stop_id": pairs["id_x"].to_numpy(), "to_stop_id": pairs["id_y"].to_numpy(),
                         "duration_s": 120.0, "distance_m": 0.0, "kind": 0})


@lru_cache(maxsize=1)
def integrated_bay_area() -> tuple[JourneyGraph, pd.DataFrame]:
    """The graph of the internal regional feed of regie.integrate over BART, Caltrain and County
    Connection (restricted) for 12 September 2018, with the integrator's walking transfers and the
    reference model's stations (interpolation by position, one service day); and those walking
    transfers."""
    folder = shared_feeds_dir() / "regional_bayarea"
    inputs = [OperatorFeeds(operator("bart"), [read_feed_tables(folder / "bart_2018-05-26.zip")], ["v-bart"]),
              OperatorFeeds(operator("caltrain"), [read_feed_tables(folder / "caltrain_2017-10-02.zip")], ["v-ct"]),
              OperatorFeeds(operator("countyconnection", "restricted"),
                            [read_feed_tables(folder / "countyconnection_2018-08-12.zip")], ["v-cc"])]
    with tempfile.TemporaryDirectory() as root:
        files = write_integration(integrate_region(inputs, bay_region()), Path(root))
        feed = read_feed_tables(files["internal/regional"])
        walking = read_walking_transfers(files["internal/transfers"])
    transfers = pd.concat([walking, same_name_pairs(feed.tables["stops"])], ignore_index=True)
    graph = build_graph(feed, first_service_day=BAY_DAY, days=1, timezone="America/Los_Angeles", transfers=transfers,
                        settings=PlannerSettings(interpolation="position"))
    return only_day(graph, 1), walking


def reference(name: str) -> dict:
    """The reference answers of ../shared/data/reference/journeys for "hart" or "bayarea3"."""
    path = shared_feeds_dir().parent / "reference" / "journeys" / f"{name}_ea_50.json"
    if not path.is_file():
        pytest.skip(f"reference answers not found at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


# ---- brute force --------------------------------------------------------------------------

class BruteForce:
    """Arrival at the targets by number of trips, every k that improves on fewer trips (the
    Pareto set; only the earliest with `pareto` False), arrivals up to `horizon`: a plain
    time-dependent Dijkstra whose states are (stop, trips used), whose edges are the footpaths one
    by one (no closure) and rides along a trip from a boarding to every later stop. A state is
    dropped when the same stop was reached no later with no more trips."""

    def __init__(self, graph: JourneyGraph) -> None:
        self.graph = graph
        self.deps: dict[int, list[int]] = {}
        for c in np.argsort(graph.conn_dep, kind="stable"):
            self.deps.setdefault(int(graph.conn_dep_stop[c]), []).append(int(c))
        self.dep_times = {s: [int(graph.conn_dep[c]) for c in conns] for s, conns in self.deps.items()}
        self.by_trip: dict[int, list[int]] = {}
        for c in np.lexsort((graph.conn_seq, graph.conn_trip)):
            self.by_trip.setdefault(int(graph.conn_trip[c]), []).append(int(c))
        self.position = {c: i for conns in self.by_trip.values() for i, c in enumerate(conns)}
        self.arr_stop, self.arr = graph.conn_arr_stop.tolist(), graph.conn_arr.tolist()
        self.trip, self.flags = graph.conn_trip.tolist(), graph.conn_flags.tolist()

    def run(self, origins: list[int], start: int, targets: set[int], *, slack: int = 0, max_trips: int = 64,
            horizon: int = INF, pareto: bool = False, trip_ok: np.ndarray | None = None,
            stop_ok: np.ndarray | None = None, foot_ok: np.ndarray | None = None,
            max_first_wait: int = INF) -> dict[int, int]:
        graph = self.graph
        labels: dict[int, list[tuple[int, int]]] = {}  # stop -> [(trips, arrival)] not dominated
        heap: list[tuple[int, int, int]] = []

        goal: list[tuple[int, int]] = []  # labels pushed at a target: nothing they dominate can help

        def push(stop: int, k: int, a: int) -> None:
            if a > horizon or any((kk <= k or not pareto) and aa < a for kk, aa in goal):
                return
            if not any(kk <= k and aa <= a for kk, aa in labels.get(stop, ())):
                labels[stop] = [(kk, aa) for kk, aa in labels.get(stop, []) if not (kk >= k and aa >= a)] + [(k, a)]
                heapq.heappush(heap, (a, k, stop))
                if stop in targets:
                    goal.append((k, a))

        for s in origins:
            push(s, 0, start)
        boarded: dict[tuple[int, int], int] = {}  # (trip, trips) -> earliest position boarded
        answer: dict[int, int] = {}
        while heap:
            t, k, s = heapq.heappop(heap)
            if (k, t) not in labels.get(s, ()):
                continue
            if not pareto and answer and t >= min(answer.values()):
                break
            if s in targets and all(a > t for kk, a in answer.items() if kk <= k):
                answer[k] = t
            ready = t + (slack if k > 0 else 0)
            if k < max_trips and (stop_ok is None or stop_ok[s]) and s in self.deps:
                conns, times = self.deps[s], self.dep_times[s]
                bound = min([horizon + 1] + [aa for kk, aa in goal if kk <= k + 1 or not pareto])
                last = bound if k > 0 else min(bound, t + max_first_wait + 1)  # the first vehicle within the wait
                for c in conns[bisect.bisect_left(times, ready):bisect.bisect_left(times, last)]:
                    trip = self.trip[c]
                    if not self.flags[c] & 1 or (trip_ok is not None and not trip_ok[trip]):
                        continue
                    first = self.position[c]
                    if any(boarded.get((trip, kk), INF) <= first for kk in range(1, k + 2)):
                        continue
                    boarded[(trip, k + 1)] = first
                    for c2 in self.by_trip[trip][first:]:
                        v, a = self.arr_stop[c2], self.arr[c2]
                        if a > bound:
                            break
                        if self.flags[c2] & 2 and (stop_ok is None or stop_ok[v]):
                            push(v, k + 1, a)
            for e in range(int(graph.foot_offsets[s]), int(graph.foot_offsets[s + 1])):
                if (foot_ok is not None and not foot_ok[e]) or (foot_ok is None and graph.foot_kind[e] == BIKE_RIDE):
                    continue
                push(int(graph.foot_to[e]), k, t + int(graph.foot_duration[e]))
        return answer


def brute_force(graph: JourneyGraph, origins: list[int], start: int, targets: set[int], **options) -> dict[int, int]:
    """`BruteForce(graph).run(...)` for one query."""
    return BruteForce(graph).run(origins, start, targets, **options)


def assert_journey_consistent(graph: JourneyGraph, journey, *, slack: int = 0) -> None:
    """Legs follow each other in space and time, rides match the timetable, and every change of
    vehicle leaves the slack."""
    position = {str(s): i for i, s in enumerate(graph.stop_ids)}
    last_ride_end = None
    for before, after in zip(journey.legs, journey.legs[1:], strict=False):
        assert before.destination.stop_id == after.origin.stop_id, (before, after)
        assert before.arrival_s <= after.departure_s, (before, after)
    for leg in journey.legs:
        assert leg.departure_s <= leg.arrival_s
        if leg.kind != "transit":
            continue
        trip = int(np.flatnonzero(graph.trip_ids == leg.trip_id)[0]) if leg.trip_id else -1
        board = np.flatnonzero((graph.conn_trip == trip) & (graph.conn_dep == leg.departure_s)
                               & (graph.conn_dep_stop == position[leg.origin.stop_id]))
        alight = np.flatnonzero((graph.conn_trip == trip) & (graph.conn_arr == leg.arrival_s)
                                & (graph.conn_arr_stop == position[leg.destination.stop_id]))
        assert len(board) and len(alight), leg
        assert graph.conn_flags[board[0]] & 1 and graph.conn_flags[alight[0]] & 2
        if last_ride_end is not None:
            assert leg.departure_s >= last_ride_end + slack, leg
        last_ride_end = leg.arrival_s
