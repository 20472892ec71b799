"""The journey graph as files a re-user can load without Régie: one Parquet file per table and
`graph.json`, plus `SCHEMA.md` (the same text as the README's "Journey graph files" section).

Every file is replaced atomically; graph.json is written last. `read_graph_files` gives back the
graph `write_graph_files` was given, array for array.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from regie.gtfs.atomic import write_atomic, write_atomic_text
from regie.journeys.graph import JourneyGraph

SCHEMA_VERSION = 1

# file -> (column, Arrow type, graph field, meaning); row i of a file is index i of its arrays
TABLES: dict[str, list[tuple[str, pa.DataType, str, str]]] = {
    "stops": [
        ("stop_id", pa.string(), "stop_ids",
         "id in the regional feed, `<operator>:<id>`; bike stations `<operator>:bike:<station_id>`"),
        ("stop_name", pa.string(), "stop_names", "name"),
        ("stop_lat", pa.float64(), "stop_lat", "WGS 84 latitude (NaN when the feed has none)"),
        ("stop_lon", pa.float64(), "stop_lon", "WGS 84 longitude"),
        ("parent", pa.int32(), "stop_parent", "row of its station in stops, -1"),
        ("wheelchair", pa.int8(), "stop_wheelchair", "0 unknown, 1 accessible, 2 not (a platform's 0 inherits its station's)"),
        ("kind", pa.int8(), "stop_kind", "0 stop or platform, 1 bike-share station, 2 station (not boardable)"),
    ],
    "connections": [
        ("dep_stop", pa.int32(), "conn_dep_stop", "row in stops where the hop departs"),
        ("arr_stop", pa.int32(), "conn_arr_stop", "row in stops where it arrives"),
        ("dep", pa.int32(), "conn_dep", "departure, graph seconds (see the time convention)"),
        ("arr", pa.int32(), "conn_arr", "arrival, graph seconds"),
        ("trip", pa.int32(), "conn_trip", "row in trips (a trip instance: one trip on one service day)"),
        ("seq", pa.int32(), "conn_seq", "position of the hop in its trip, 0 first"),
        ("flags", pa.uint8(), "conn_flags", "bit 1: boarding allowed at dep_stop; bit 2: alighting allowed at arr_stop"),
        ("dep_shape_m", pa.float32(), "conn_shape_dist", "metres along the trip's shape at departure, NaN"),
        ("arr_shape_m", pa.float32(), "conn_arr_shape_dist", "metres along the trip's shape at arrival, NaN"),
    ],
    "footpaths": [
        ("from_stop", pa.int32(), "", "row in stops (rows grouped by from_stop)"),
        ("to_stop", pa.int32(), "foot_to", "row in stops"),
        ("duration_s", pa.int32(), "foot_duration", "seconds"),
        ("distance_m", pa.float32(), "foot_distance", "metres walked or ridden"),
        ("kind", pa.int8(), "foot_kind", "0 walk, 1 within a station, 2 bike-share ride, 3 walk to or from a bike station"),
        ("wheelchair", pa.int8(), "foot_wheelchair", "0 unknown, 1 accessible, 2 not (pathways with stairs, bikes)"),
    ],
    "bike_stations": [
        ("stop", pa.int32(), "bike_stop", "row in stops"),
        ("station_id", pa.string(), "bike_station_ids", "GBFS station_id"),
        ("operator_id", pa.string(), "bike_operator", "operator id"),
        ("operator_name", pa.string(), "bike_operator_names", "operator name"),
        ("capacity", pa.int32(), "bike_capacity", "docks, -1 unknown"),
        ("bikes_available", pa.int32(), "bike_bikes", "bikes to rent when the snapshot was taken"),
        ("docks_available", pa.int32(), "bike_docks", "free docks when the snapshot was taken"),
    ],
    "trips": [
        ("trip_id", pa.string(), "trip_ids", "trip_id in the regional feed (a frequency-based trip has one row per run)"),
        ("day", pa.int16(), "trip_day", "service day, 0 = first_day (negative: a day before, for times past 48:00)"),
        ("route", pa.int32(), "trip_route", "row in routes, -1"),
        ("headsign", pa.string(), "trip_headsign", "trip_headsign"),
        ("wheelchair", pa.int8(), "trip_wheelchair", "wheelchair_accessible: 0 unknown, 1 yes, 2 no"),
        ("shape", pa.int32(), "trip_shape", "shape number (shapes.shape), -1"),
    ],
    "routes": [
        ("route_id", pa.string(), "route_ids", "route_id in the regional feed"),
        ("short_name", pa.string(), "route_short_names", "route_short_name"),
        ("long_name", pa.string(), "route_long_names", "route_long_name"),
        ("mode", pa.int16(), "route_mode",
         "GTFS basic route_type, extended types mapped (0 tram, 1 metro, 2 rail, 3 bus, 4 ferry, ...)"),
        ("operator", pa.int32(), "route_operator", "row in operators"),
    ],
    "operators": [
        ("operator_id", pa.string(), "operator_ids", "the operator's id (the namespace of its ids)"),
        ("operator_name", pa.string(), "operator_names", "its name (agency_name)"),
    ],
    "shapes": [
        ("shape", pa.int32(), "", "shape number; a shape's points are consecutive rows, in order"),
        ("shape_id", pa.string(), "", "shape_id in the regional feed"),
        ("lat", pa.float64(), "shape_lat", "WGS 84 latitude"),
        ("lon", pa.float64(), "shape_lon", "WGS 84 longitude"),
        ("metres", pa.float32(), "shape_dist", "metres along the shape from its first point"),
    ],
}

METADATA = [
    ("schema_version", f"{SCHEMA_VERSION}: changes when a file, a column or a meaning changes"),
    ("first_day", "day 0 (ISO date): the day before the window's first service day"),
    ("days", "service days on the graph, day 0 included"),
    ("timezone", "IANA zone: every time is a local time there"),
    ("day_start", "per service day d, the graph second at which its GTFS times start (86,400 × d but across clock changes)"),
    ("source_feed_version", "feed_info.feed_version of the regional feed the graph was built from"),
    ("counts", "rows of each file"),
    ("warnings", "what the build left out of the feed, and why"),
]


def schema_markdown() -> str:
    """The files' schema as Markdown (SCHEMA.md, and the README's section)."""
    lines = [
        "Parquet files, one per table, and `graph.json`. Row i of a file is item i: columns named "
        "`stop`, `trip`, `route`, `operator`, `shape` (or ending so) hold such row numbers (int32, -1: none).",
        "",
        "**Time convention.** Times are int32 seconds on the graph's clock: elapsed seconds since noon "
        "minus 12 h (midnight, except on a clock-change day) of `first_day` in `timezone`. Service day d's "
        "GTFS times (which may pass 24:00 and 48:00) start at `day_start[d]` of graph.json, so a departure "
        "at GTFS time t on day d is at `day_start[d] + t`; a local time is `first_day` 00:00 (noon minus "
        "12 h) in `timezone` plus the graph seconds. Only hops departing on or after the first service "
        "day (`day_start[1]`) are listed.",
        "",
        "`graph.json`:",
        "",
    ]
    lines += [f"- `{key}`: {meaning}" for key, meaning in METADATA]
    for name, columns in TABLES.items():
        lines += ["", f"`{name}.parquet`:", "", "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{column}` | {kind} | {meaning} |" for column, kind, _, meaning in columns]
    lines += ["", "Connections are sorted by (dep, arr, seq); footpaths by (from_stop, to_stop, duration_s); "
              "footpaths are not transitively closed.", ""]
    return "\n".join(lines)


def _columns(graph: JourneyGraph, name: str) -> dict[str, Any]:
    values = {column: getattr(graph, field) for column, _, field, _ in TABLES[name] if field}
    if name == "footpaths":
        values["from_stop"] = np.repeat(np.arange(graph.stop_count, dtype=np.int32), np.diff(graph.foot_offsets))
    if name == "shapes":
        counts = np.diff(graph.shape_offsets)
        values["shape"] = np.repeat(np.arange(len(graph.shape_ids), dtype=np.int32), counts)
        values["shape_id"] = np.repeat(np.asarray(graph.shape_ids, dtype=object), counts)
    return values


def _table(graph: JourneyGraph, name: str) -> pa.Table:
    values = _columns(graph, name)
    schema = pa.schema([(column, kind) for column, kind, _, _ in TABLES[name]])
    return pa.table({column: pa.array(values[column], type=kind) for column, kind, _, _ in TABLES[name]},
                    schema=schema)


def write_graph_files(graph: JourneyGraph, folder: Path) -> dict[str, Path]:
    """Every table as `<name>.parquet`, SCHEMA.md, then graph.json; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    counts = {}
    for name in TABLES:
        table = _table(graph, name)
        counts[name] = table.num_rows
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        path = folder / f"{name}.parquet"
        write_atomic(path, buffer.getvalue())
        paths[name] = path
    write_atomic_text(folder / "SCHEMA.md", "# Journey graph files\n\n" + schema_markdown())
    paths["schema"] = folder / "SCHEMA.md"
    metadata = {"schema_version": SCHEMA_VERSION, "first_day": graph.first_day.isoformat(), "days": graph.days,
                "timezone": graph.timezone, "day_start": [int(v) for v in graph.day_start],
                "source_feed_version": graph.source_feed_version, "counts": counts,
                "warnings": list(graph.warnings)}
    write_atomic_text(folder / "graph.json", json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
    paths["graph"] = folder / "graph.json"
    return paths


def _array(table: pa.Table, column: str, kind: pa.DataType) -> np.ndarray:
    values = table.column(column)
    if pa.types.is_string(kind):
        return np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
    return values.to_numpy().astype(kind.to_pandas_dtype(), copy=False)


def read_graph_files(folder: Path) -> JourneyGraph:
    """The graph written by `write_graph_files` in `folder`."""
    metadata = json.loads((folder / "graph.json").read_text(encoding="utf-8"))
    if metadata.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{folder / 'graph.json'}: schema_version {metadata.get('schema_version')!r}, "
                         f"this reader reads {SCHEMA_VERSION}")
    fields: dict[str, Any] = {}
    extra: dict[str, dict[str, np.ndarray]] = {}
    for name, columns in TABLES.items():
        table = pq.read_table(folder / f"{name}.parquet")
        extra[name] = {}
        for column, kind, field, _ in columns:
            array = _array(table, column, kind)
            if field:
                fields[field] = array
            else:
                extra[name][column] = array
    stop_count = len(fields["stop_ids"])
    fields["foot_offsets"] = np.r_[0, np.cumsum(np.bincount(extra["footpaths"]["from_stop"], minlength=stop_count))
                                   ].astype(np.int32)
    shape_of = extra["shapes"]["shape"]
    shape_count = int(shape_of.max()) + 1 if len(shape_of) else 0
    fields["shape_offsets"] = np.r_[0, np.cumsum(np.bincount(shape_of, minlength=shape_count))].astype(np.int32)
    starts = fields["shape_offsets"][:-1]
    fields["shape_ids"] = np.asarray(extra["shapes"]["shape_id"][starts], dtype=object)
    return JourneyGraph(first_day=date.fromisoformat(metadata["first_day"]), days=int(metadata["days"]),
                        timezone=metadata["timezone"], source_feed_version=metadata["source_feed_version"],
                        day_start=np.asarray(metadata["day_start"], dtype=np.int32),
                        warnings=list(metadata.get("warnings", [])), **fields)
