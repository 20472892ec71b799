"""Build the journey graph of a regional feed for a window of service days (see
`regie.journeys.graph` for the arrays and the time convention).

Trip instances: every run of a trip (`regie.journeys.frequencies`) on every day of the window its
service runs (calendar.txt and calendar_dates.txt through the GTFS core's `service_matrix`), plus
the runs of the days before whose times reach into the window (the day before for times past
24:00, two days before for times past 48:00, ...): of those only the hops departing inside the
window are kept. Connections are the instances' hops (`regie.journeys.timetable`), sorted by
(departure, arrival, position in the trip).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from regie.config.region import PlannerSettings
from regie.gtfs.arrow_text import arrow
from regie.gtfs.calendar import epoch_day, service_calendars, service_matrix
from regie.gtfs.columns import column, first_rows, gtfs_seconds, numeric, table
from regie.gtfs.feed_tables import TableLookup
from regie.gtfs.modes import BASIC_ROUTE_TYPES, extended_to_basic
from regie.journeys.bikeshare import BikeSystem, bike_edges, bike_stops
from regie.journeys.clock import day_starts
from regie.journeys.edges import Edges
from regie.journeys.footpaths import csr, footpath_edges
from regie.journeys.frequencies import trip_runs
from regie.journeys.graph import JourneyGraph
from regie.journeys.shapes import graph_shapes, hop_metres
from regie.journeys.stops import graph_stops
from regie.journeys.timetable import Hops, trip_hops

DAY_S = 86_400


def _per_trip(trips: pd.DataFrame, rows: np.ndarray, name: str) -> np.ndarray:
    """The trips.txt column for each trip code ("" where the trip is not in trips.txt)."""
    values = column(trips, name).to_numpy(dtype=object)
    return np.where(rows >= 0, values[np.maximum(rows, 0)] if len(values) else "", "")


def _operators(feed: TableLookup, route_ids: np.ndarray, route_agency: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per route its operator code; operator ids and names. The operator of a regional feed's
    route is its namespace ("<operator>:<id>"); in a feed without namespaces, its agency."""
    agency = table(feed, "agency")
    agency_ids, agency_names = column(agency, "agency_id").to_numpy(dtype=object), \
        column(agency, "agency_name").to_numpy(dtype=object)
    namespaced = len(route_ids) > 0 and all(":" in r for r in route_ids)
    if namespaced:
        keys = np.array([r.split(":", 1)[0] for r in route_ids], dtype=object)
        agency_keys = np.array([a.split(":", 1)[0] for a in agency_ids], dtype=object)
    else:
        agency_keys = np.where(agency_ids != "", agency_ids, agency_names)  # a lone agency may have no id
        lone = agency_keys[0] if len(agency_keys) == 1 else ""
        keys = np.where(route_agency != "", route_agency, lone)
    codes, uniques = pd.factorize(keys)
    operator_ids = np.asarray(uniques, dtype=object)
    where = first_rows(pd.Series(agency_keys, dtype="str"), operator_ids) if len(agency_keys) else \
        np.full(len(operator_ids), -1)
    names = np.where(where >= 0, agency_names[np.maximum(where, 0)] if len(agency_names) else "",
                     operator_ids)
    return codes.astype(np.int32), operator_ids, names.astype(object)


def _max_seconds(frame: pd.DataFrame, name: str) -> float:
    """The latest GTFS time of a column (0 when none), parsed once per distinct value."""
    if name not in frame.columns or not len(frame):
        return 0.0
    distinct = pd.Series(pc.unique(arrow(frame[name])).to_pandas(), dtype="str")
    return float(np.nan_to_num(gtfs_seconds(distinct).max()))


def _latest_time(feed: TableLookup) -> float:
    """An upper bound of how far past its service day's start a trip of the feed runs: the
    latest stop time, plus the latest frequencies.txt end_time (a template may start then)."""
    stop_times = table(feed, "stop_times")
    latest = max(_max_seconds(stop_times, "arrival_time"), _max_seconds(stop_times, "departure_time"))
    return latest + _max_seconds(table(feed, "frequencies"), "end_time")


def _route_modes(route_types: np.ndarray) -> np.ndarray:
    codes = pd.to_numeric(pd.Series(route_types), errors="coerce").to_numpy(dtype=float)
    basic, _ = extended_to_basic(codes)
    mode = np.where(basic >= 0, basic, codes)
    return np.where(np.isin(mode, list(BASIC_ROUTE_TYPES)), mode, 3).astype(np.int16)


def _instances(runs_trip: np.ndarray, runs_shift: np.ndarray, service: np.ndarray, matrix: np.ndarray,
               starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(trip code, day column, base seconds) of every run on every day its service runs."""
    running = np.vstack([matrix, np.zeros((1, matrix.shape[1]), dtype=bool)])[service[runs_trip]]
    run, day = np.nonzero(running)
    return runs_trip[run], day, starts[day] + runs_shift[run]


def _connections(hops: Hops, trip: np.ndarray, base: np.ndarray, window_start: int) -> dict[str, np.ndarray]:
    """The hops of every instance at its base time, those departing before the window left out."""
    first, count = hops.offsets[trip], hops.offsets[trip + 1] - hops.offsets[trip]
    instance = np.repeat(np.arange(len(trip)), count)
    hop = np.repeat(first, count) + np.arange(len(instance)) - np.repeat(np.cumsum(count) - count, count)
    dep = hops.dep[hop] + base[instance]
    keep = dep >= window_start
    return {"instance": instance[keep], "hop": hop[keep], "dep": dep[keep], "arr": hops.arr[hop[keep]] + base[instance[keep]]}


@dataclass
class Window:
    """The service days the graph runs: `before` days before the first service day (their trips
    may reach into it), then the window's days; `matrix`: whether each service of trips.txt runs
    on each of those days; `starts`: where each day's GTFS times start on the graph's clock."""

    before: int
    services: pd.Index
    matrix: np.ndarray
    starts: np.ndarray  # int64, day 0 (first_day) at 0

    @property
    def first_service_start(self) -> int:
        return int(self.starts[self.before])


def _window(feed: TableLookup, services: pd.Index, first_service_day: date, days: int, timezone: str) -> Window:
    before = max(int(_latest_time(feed) // DAY_S), 1)
    matrix = service_matrix(service_calendars(feed, services), epoch_day(first_service_day) - before,
                            epoch_day(first_service_day) + days - 1)
    starts = day_starts(first_service_day - timedelta(days=before), before + days, timezone).astype(np.int64)
    return Window(before, services, matrix, starts - starts[before - 1])


def _instances_and_connections(hops: Hops, runs: tuple[np.ndarray, np.ndarray], service: np.ndarray,
                               window: Window) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Trip code and day (0 = first_day) of every trip instance with a connection in the window,
    and the connections (instance, hop, dep, arr) sorted by (dep, arr, position in the trip)."""
    trip, day, base = _instances(*runs, service, window.matrix, window.starts)
    found = _connections(hops, trip, base, window_start=window.first_service_start)
    used = np.flatnonzero(np.bincount(found["instance"], minlength=len(trip)))
    renumber = np.full(len(trip), -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    order = np.lexsort((hops.seq[found["hop"]], found["arr"], found["dep"]))
    connections = {"instance": renumber[found["instance"]][order], "hop": found["hop"][order],
                   "dep": found["dep"][order], "arr": found["arr"][order]}
    return trip[used], day[used] - (window.before - 1), connections


def _routes(feed: TableLookup) -> dict[str, np.ndarray]:
    """The graph's route and operator fields (first row of a repeated route_id)."""
    routes = table(feed, "routes")
    routes = routes[~column(routes, "route_id").duplicated().to_numpy()]
    route_ids = column(routes, "route_id").to_numpy(dtype=object)
    operator, operator_ids, operator_names = _operators(feed, route_ids, column(routes, "agency_id").to_numpy(dtype=object))
    return {"route_ids": route_ids, "route_short_names": column(routes, "route_short_name").to_numpy(dtype=object),
            "route_long_names": column(routes, "route_long_name").to_numpy(dtype=object),
            "route_mode": _route_modes(column(routes, "route_type").to_numpy(dtype=object)),
            "route_operator": operator, "operator_ids": operator_ids, "operator_names": operator_names}


def _wheelchair(trips: pd.DataFrame, trip_row: np.ndarray) -> np.ndarray:
    """wheelchair_accessible per trip code (0 where unknown or not 0, 1, 2)."""
    values = numeric(trips, "wheelchair_accessible").fillna(0).to_numpy()
    per_trip = np.where(trip_row >= 0, values[np.maximum(trip_row, 0)] if len(values) else 0, 0)
    return np.where(np.isin(per_trip, (0, 1, 2)), per_trip, 0).astype(np.int8)


def build_graph(feed: TableLookup, *, first_service_day: date, days: int, timezone: str,
                transfers: pd.DataFrame | None = None, bike: BikeSystem | list[BikeSystem] | None = None,
                settings: PlannerSettings | None = None, source_feed_version: str | None = None) -> JourneyGraph:
    """The graph of `feed` for `days` service days from `first_service_day` (day 0 is the day
    before). `transfers`: walking transfers (FOOTPATH_COLUMNS, `read_walking_transfers`);
    `bike`: bike-share systems of the latest GBFS snapshots (`read_gbfs_snapshot`)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    settings = settings or PlannerSettings()
    warnings: list[str] = []
    stops = graph_stops(feed, warnings)
    trips = table(feed, "trips")
    trip_text, trip_services = column(trips, "trip_id"), column(trips, "service_id").to_numpy(dtype=object)
    window = _window(feed, pd.Index(pd.unique(trip_services)), first_service_day, days, timezone)
    row_runs = np.r_[window.matrix.any(axis=1), False][window.services.get_indexer(trip_services)]

    def running(trip_ids: pd.Index) -> np.ndarray:  # trips.txt rows running some day of the window
        rows = first_rows(trip_text, trip_ids) if len(trips) else np.full(len(trip_ids), -1)
        return np.where(rows >= 0, row_runs[np.maximum(rows, 0)] if len(row_runs) else False, False)

    hops = trip_hops(feed, stops.index, settings.interpolation, warnings, wanted=running)
    trip_row = first_rows(trip_text, hops.trip_ids) if len(trips) else np.full(hops.trip_count, -1)
    if (trip_row < 0).any():
        warnings.append(f"{int((trip_row < 0).sum())} trip(s) of stop_times.txt not in trips.txt: left out")
    service = window.services.get_indexer(_per_trip(trips, trip_row, "service_id"))
    service = np.where((service >= 0) & (trip_row >= 0), service, len(window.services))  # never runs
    runs = trip_runs(feed, hops.trip_ids, hops.first_departure(), warnings)
    trip, day, connections = _instances_and_connections(hops, runs, service, window)
    hop = connections["hop"]

    routes = _routes(feed)
    trip_route = pd.Index(routes["route_ids"]).get_indexer(_per_trip(trips, trip_row, "route_id"))
    shapes = graph_shapes(feed)
    trip_shape = shapes.index.get_indexer(_per_trip(trips, trip_row, "shape_id")) if len(shapes.ids) \
        else np.full(hops.trip_count, -1)
    used_hops, hop_of = np.unique(hop, return_inverse=True)
    dep_m, arr_m = hop_metres(hops, shapes, trip_shape, stops, used_hops)

    feed_stop_count = len(stops.ids)
    stops, bikes = bike_stops(stops, [bike] if isinstance(bike, BikeSystem) else list(bike or []))
    edges = Edges.concat([footpath_edges(feed, stops, transfers, settings),
                          bike_edges(stops, bikes, feed_stop_count, settings)])
    offsets, edges = csr(edges, len(stops.ids))

    feed_info = table(feed, "feed_info")
    version = source_feed_version if source_feed_version is not None else \
        (column(feed_info, "feed_version").iloc[0] if len(feed_info) else "")
    return JourneyGraph(
        first_day=first_service_day - timedelta(days=1), days=days + 1, timezone=timezone,
        source_feed_version=str(version),
        stop_ids=stops.ids, stop_names=stops.names, stop_lat=stops.lat.astype(np.float64),
        stop_lon=stops.lon.astype(np.float64), stop_parent=stops.parent.astype(np.int32),
        stop_wheelchair=stops.wheelchair.astype(np.int8), stop_kind=stops.kind.astype(np.int8),
        conn_dep_stop=hops.dep_stop[hop], conn_arr_stop=hops.arr_stop[hop],
        conn_dep=connections["dep"].astype(np.int32), conn_arr=connections["arr"].astype(np.int32),
        conn_trip=connections["instance"].astype(np.int32), conn_seq=hops.seq[hop], conn_flags=hops.flags[hop],
        trip_ids=hops.trip_ids.to_numpy(dtype=object)[trip], trip_day=day.astype(np.int16),
        trip_route=trip_route[trip].astype(np.int32),
        trip_headsign=_per_trip(trips, trip_row, "trip_headsign")[trip].astype(object),
        trip_wheelchair=_wheelchair(trips, trip_row)[trip], trip_shape=trip_shape[trip].astype(np.int32),
        **routes,
        foot_offsets=offsets, foot_to=edges.target.astype(np.int32),
        foot_duration=np.ceil(edges.duration).astype(np.int32), foot_distance=edges.distance.astype(np.float32),
        foot_kind=edges.kind.astype(np.int8), foot_wheelchair=edges.wheelchair.astype(np.int8),
        shape_ids=shapes.ids, shape_offsets=shapes.offsets, shape_lat=shapes.lat, shape_lon=shapes.lon,
        shape_dist=shapes.metres, conn_shape_dist=dep_m[hop_of], conn_arr_shape_dist=arr_m[hop_of],
        day_start=window.starts[window.before - 1:].astype(np.int32), warnings=warnings, **bikes.graph_fields())


__all__ = ["build_graph"]
