"""Which stops the findings point at, and the stop layer of the report's map.

The map fits the bulk of the stops, not all of them: a stop further from the median position
than OUTLIER_FACTOR times the 90th percentile of the stops' distances to it (and at least
OUTLIER_MIN_M away) is an outlier, drawn but left out of the initial view and listed under the
map with its distance, so one swapped coordinate does not zoom the map out to a continent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from quality.result import ValidationOutcome
from regie.gtfs.geo import haversine_m

STOP_CONTEXT_KEYS = (
    "stopId", "stopId1", "stopId2", "stop_id", "stop_id1", "stop_id2",
    "parentStation", "parent_station", "parentStopId", "parent_stop_id",
    "fromStopId", "toStopId", "from_stop_id", "to_stop_id", "stopIds", "stop_ids", "other_stop_id",
)
"""Context keys whose value is a stop id (or a list of them): the stop is flagged on the map."""

SEVERITY_RANK = {"ERROR": 0, "WARNING": 1, "INFO": 2}
OUTLIER_FACTOR = 4.0
OUTLIER_MIN_M = 20_000.0
MAX_CODES_PER_STOP = 8


def stop_ids(value: Any) -> Iterable[str]:
    if value is None:
        return ()
    if isinstance(value, list | tuple | set):
        return [str(item) for item in value if item is not None and str(item) != ""]
    text = str(value)
    return (text,) if text else ()


def _row_to_stop(stops: pd.DataFrame | None) -> dict[int, str]:
    """CSV line number (header = 1) of stops.txt -> stop_id: the frame's `_row` column when it has
    one (regie.gtfs.feed_tables adds it), else its order (line = position + 2)."""
    if stops is None or stops.empty or "stop_id" not in stops.columns:
        return {}
    ids = stops["stop_id"].astype(str).tolist()
    if "_row" in stops.columns:
        lines = pd.to_numeric(stops["_row"], errors="coerce")
        return {int(line): stop for line, stop in zip(lines, ids, strict=True) if pd.notna(line)}
    return {position + 2: stop for position, stop in enumerate(ids)}


def stop_flags(outcome: ValidationOutcome) -> dict[str, dict[str, Any]]:
    """stop_id -> {"severity" (worst finding not waived, else worst waived), "waived" (every
    finding on it is waived), "count", "codes" (a few, worst first)} for each stop a finding
    points at: through a stop id in its context, or through its row when it is about stops.txt."""
    frame = outcome.notices
    if frame.empty:
        return {}
    by_row = _row_to_stop(outcome.stops)
    waived_column = frame["waived"] if "waived" in frame.columns else pd.Series(False, index=frame.index)
    found: dict[str, list[tuple[str, str, bool]]] = {}
    for code, severity, file, line, context, waived in zip(
        frame["code"], frame["severity"], frame["file"], frame["row"], frame["context"], waived_column, strict=True
    ):
        stops: set[str] = set()
        if isinstance(context, Mapping):
            for key in STOP_CONTEXT_KEYS:
                stops.update(stop_ids(context.get(key)))
        if file == "stops.txt" and line is not None and pd.notna(line) and int(line) in by_row:
            stops.add(by_row[int(line)])
        is_waived = bool(waived) if waived is not None and not (isinstance(waived, float) and pd.isna(waived)) else False
        for stop in stops:
            found.setdefault(stop, []).append((str(code), str(severity), is_waived))
    flags = {}
    for stop, hits in found.items():
        live = [hit for hit in hits if not hit[2]] or hits
        worst = min(live, key=lambda hit: SEVERITY_RANK.get(hit[1], 3))[1]
        codes = sorted({(SEVERITY_RANK.get(hit[1], 3), hit[0]) for hit in hits})
        flags[stop] = {
            "severity": worst,
            "waived": all(hit[2] for hit in hits),
            "count": len(hits),
            "codes": [code for _, code in codes[:MAX_CODES_PER_STOP]],
        }
    return flags


def outliers(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(is an outlier, metres to the median position) of each point (module docstring)."""
    if len(lat) == 0:
        return np.zeros(0, dtype=bool), np.zeros(0)
    distance = haversine_m(lat, lon, np.full_like(lat, np.median(lat)), np.full_like(lon, np.median(lon)))
    limit = max(OUTLIER_FACTOR * float(np.quantile(distance, 0.9)), OUTLIER_MIN_M)
    return distance > limit, distance


def map_layer(outcome: ValidationOutcome, flags: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The map's data: "stops" as compact rows [lat, lon, stop_id, name, location_type, flag|null,
    outlier] (stops without usable coordinates left out and counted in "without_coordinates"),
    "bounds" [[south, west], [north, east]] of the stops that are not outliers (None without
    stops) and "outliers" [{stop_id, name, lat, lon, distance_km}] (to the median position)."""
    stops = outcome.stops
    if stops is None or stops.empty or not {"stop_id", "stop_lat", "stop_lon"} <= set(stops.columns):
        return {"stops": [], "bounds": None, "outliers": [],
                "without_coordinates": 0 if stops is None else int(len(stops))}
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce")
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce")
    usable = lat.between(-90, 90) & lon.between(-180, 180) & ~((lat.abs() < 1e-6) & (lon.abs() < 1e-6))
    names = stops["stop_name"] if "stop_name" in stops.columns else pd.Series(None, index=stops.index)
    kinds = (pd.to_numeric(stops["location_type"], errors="coerce") if "location_type" in stops.columns
             else pd.Series(0, index=stops.index))
    kept = usable.to_numpy()
    far, distance = outliers(lat.to_numpy(dtype=float)[kept], lon.to_numpy(dtype=float)[kept])
    rows: list[list[Any]] = []
    away: list[dict[str, Any]] = []
    columns = (stops["stop_id"][kept], names[kept], kinds[kept], lat[kept], lon[kept])
    for index, (stop_id, name, kind, y, x) in enumerate(zip(*(column.tolist() for column in columns), strict=True)):
        stop_id = str(stop_id)
        label = None if name is None or pd.isna(name) else str(name)
        rows.append([round(float(y), 6), round(float(x), 6), stop_id, label, 0 if pd.isna(kind) else int(kind),
                     dict(flags[stop_id]) if stop_id in flags else None, bool(far[index])])
        if far[index]:
            away.append({"stop_id": stop_id, "name": label, "lat": round(float(y), 6), "lon": round(float(x), 6),
                         "distance_km": round(float(distance[index]) / 1000.0, 1)})
    bulk = [(float(row[0]), float(row[1])) for row in rows if not row[6]] or [(float(r[0]), float(r[1])) for r in rows]
    bounds = ([[min(y for y, _ in bulk), min(x for _, x in bulk)], [max(y for y, _ in bulk), max(x for _, x in bulk)]]
              if bulk else None)
    away.sort(key=lambda item: (-float(item["distance_km"]), str(item["stop_id"])))
    return {"stops": rows, "bounds": bounds, "outliers": away, "without_coordinates": int((~usable).sum())}


def flagged_stop_rows(outcome: ValidationOutcome, flags: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The flagged stops for the table under the map, worst first: stop_id, name (None when the
    stop is not in stops.txt), severity, waived, count, codes."""
    names: dict[str, Any] = {}
    stops = outcome.stops
    if stops is not None and not stops.empty and "stop_id" in stops.columns:
        column = stops["stop_name"] if "stop_name" in stops.columns else pd.Series(None, index=stops.index)
        names = {str(stop): (None if name is None or pd.isna(name) else str(name))
                 for stop, name in zip(stops["stop_id"].tolist(), column.tolist(), strict=True)}
    rows = [
        {"stop_id": stop, "name": names.get(stop), "known": stop in names, **flag}
        for stop, flag in flags.items()
    ]
    rows.sort(key=lambda row: (row["waived"], SEVERITY_RANK.get(row["severity"], 3), -row["count"], row["stop_id"]))
    return rows
