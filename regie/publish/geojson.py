"""GeoJSON (RFC 7946, WGS 84 longitude/latitude) of a published feed: its stops as points and its
routes as multi-line strings, built from the typed Parquet tables (`regie.publish.tables`).

A route's lines are the distinct shapes of its trips; a route without shapes gets the stop
sequence of its longest trip. Coordinates keep six decimals (about 0.1 m).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

DECIMALS = 6


def _read(tables_dir: Path, table: str, columns: list[str]) -> pd.DataFrame | None:
    path = tables_dir / f"{table}.parquet"
    if not path.is_file():
        return None
    present = [name for name in columns if name in pq.read_schema(path).names]
    return pq.read_table(path, columns=present).to_pandas()


def _operator(ids: pd.Series) -> pd.Series:
    """The operator of namespaced ids (`<operator>:<id>`)."""
    return ids.astype(str).str.split(":", n=1).str[0]


def _text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    return value


def stops_geojson(tables_dir: Path) -> dict:
    """Every stop, station and entrance with coordinates, as a Point feature."""
    stops = _read(tables_dir, "stops", ["stop_id", "stop_code", "stop_name", "stop_lat", "stop_lon",
                                        "location_type", "parent_station", "wheelchair_boarding", "platform_code"])
    features: list[dict] = []
    if stops is not None and len(stops):
        stops = stops[stops["stop_lat"].notna() & stops["stop_lon"].notna()]
        stops = stops.assign(operator=_operator(stops["stop_id"]))
        lats = stops["stop_lat"].round(DECIMALS).tolist()
        lons = stops["stop_lon"].round(DECIMALS).tolist()
        properties = stops.drop(columns=["stop_lat", "stop_lon"]).astype(object).where(stops.notna(), None)
        for lat, lon, props in zip(lats, lons, properties.to_dict("records"), strict=True):
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                             "properties": {key: _text(value) for key, value in props.items()}})
    return {"type": "FeatureCollection", "features": features}


def routes_geojson(tables_dir: Path) -> dict:
    """Every route as a MultiLineString of its trips' shapes (or its longest trip's stops)."""
    routes = _read(tables_dir, "routes", ["route_id", "agency_id", "route_short_name", "route_long_name",
                                          "route_type", "route_color", "route_text_color"])
    trips = _read(tables_dir, "trips", ["trip_id", "route_id", "shape_id"])
    if routes is None or trips is None or not len(routes):
        return {"type": "FeatureCollection", "features": []}
    lines = _shape_lines(tables_dir)
    if "shape_id" not in trips.columns:
        trips["shape_id"] = None
    route_shapes = (trips[trips["shape_id"].isin(lines.keys())].drop_duplicates(["route_id", "shape_id"])
                    .groupby("route_id")["shape_id"].apply(sorted).to_dict())
    unshaped = [route for route in routes["route_id"] if route not in route_shapes]
    stop_lines = _stop_lines(tables_dir, trips[trips["route_id"].isin(unshaped)])
    features = []
    for route in routes.astype(object).where(routes.notna(), None).to_dict("records"):
        route_id = route["route_id"]
        coordinates = ([lines[shape] for shape in route_shapes[route_id]] if route_id in route_shapes
                       else [stop_lines[route_id]] if route_id in stop_lines else [])
        if not coordinates:
            continue
        props = {key: _text(value) for key, value in route.items()}
        props["operator"] = str(route_id).split(":", 1)[0]
        props["geometry_source"] = "shapes" if route_id in route_shapes else "stops"
        features.append({"type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": coordinates},
                         "properties": props})
    return {"type": "FeatureCollection", "features": features}


def _shape_lines(tables_dir: Path) -> dict[str, list[list[float]]]:
    shapes = _read(tables_dir, "shapes", ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"])
    if shapes is None or not len(shapes):
        return {}
    shapes = shapes.dropna(subset=["shape_pt_lat", "shape_pt_lon"]).sort_values(["shape_id", "shape_pt_sequence"],
                                                                               kind="stable")
    points = np.column_stack([shapes["shape_pt_lon"].round(DECIMALS), shapes["shape_pt_lat"].round(DECIMALS)])
    ids = shapes["shape_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    return {str(ids[start]): points[start:end].tolist() for start, end in zip(starts, ends, strict=True)
            if end - start >= 2}


def _stop_lines(tables_dir: Path, trips: pd.DataFrame) -> dict[str, list[list[float]]]:
    """route_id -> the stop coordinates of its trip with the most stops."""
    if not len(trips):
        return {}
    times = _read(tables_dir, "stop_times", ["trip_id", "stop_id", "stop_sequence"])
    stops = _read(tables_dir, "stops", ["stop_id", "stop_lat", "stop_lon"])
    if times is None or stops is None:
        return {}
    times = times[times["trip_id"].isin(trips["trip_id"])]
    longest = (times.groupby("trip_id").size().rename("n").reset_index()
               .merge(trips[["trip_id", "route_id"]], on="trip_id")
               .sort_values(["route_id", "n", "trip_id"], ascending=[True, False, True])
               .drop_duplicates("route_id"))
    chosen = (times[times["trip_id"].isin(longest["trip_id"])].merge(stops, on="stop_id")
              .dropna(subset=["stop_lat", "stop_lon"]).sort_values(["trip_id", "stop_sequence"], kind="stable"))
    route_of = dict(zip(longest["trip_id"], longest["route_id"], strict=True))
    lines = {}
    for trip_id, group in chosen.groupby("trip_id", sort=False):
        points = np.column_stack([group["stop_lon"].round(DECIMALS), group["stop_lat"].round(DECIMALS)]).tolist()
        if len(points) >= 2:
            lines[route_of[trip_id]] = points
    return lines


def write_geojson(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False), encoding="utf-8")
