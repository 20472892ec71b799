"""Size of a bike-share system from a GBFS snapshot: stations, docks and vehicles."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

_GBFS_FEEDS = ("station_information", "station_status", "free_bike_status", "vehicle_status")


def _read_json(path: Path | None, warnings: list[str]) -> dict[str, Any] | None:
    if path is None or not path.is_file():
        return None
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        warnings.append(f"{path.name}: not read ({exc})")
        return None
    if not isinstance(value, dict):
        warnings.append(f"{path.name}: not a JSON object")
        return None
    return value


def _listed_files(discovery: dict[str, Any] | None) -> dict[str, str]:
    """Feed name → file name from gbfs.json (v1/v2: data.<language>.feeds, v3: data.feeds)."""
    data = (discovery or {}).get("data")
    if not isinstance(data, dict):
        return {}
    lists = [data.get("feeds")] if "feeds" in data else [v.get("feeds") for v in data.values() if isinstance(v, dict)]
    files: dict[str, str] = {}
    for feeds in lists:
        for entry in feeds if isinstance(feeds, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("url"), str):
                base = entry["url"].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
                files.setdefault(entry["name"], base if base.endswith(".json") else f"{base}.json")
    return files


def _items(document: dict[str, Any] | None, *keys: str) -> list[dict[str, Any]]:
    data = (document or {}).get("data")
    for key in keys:
        values = data.get(key) if isinstance(data, dict) else None
        if isinstance(values, list):
            return [v for v in values if isinstance(v, dict)]
    return []


def _count(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    try:
        number = float(value)
    except ValueError:
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def bike_share_size(snapshot_folder: Path) -> dict[str, Any]:
    """Size of a bike-share system from a GBFS snapshot folder (v1, v2 or v3; missing files give 0).

    stations: distinct non-empty station_id of station_information (else station_status); docks: sum of
    capacity (v3 vehicle_docks_capacity counts when capacity is absent); vehicles: at stations, the
    sum of num_bikes_available + num_bikes_disabled (v3 num_vehicles_*), plus the free-floating ones
    of free_bike_status / vehicle_status (those without a station_id when station_status was read,
    all of them otherwise).
    """
    folder = Path(snapshot_folder)
    warnings: list[str] = [] if folder.is_dir() else [f"snapshot folder {folder} not found"]
    discovery = _read_json(folder / "gbfs.json", warnings)
    listed = _listed_files(discovery)
    documents: dict[str, dict[str, Any] | None] = {}
    for name in _GBFS_FEEDS:
        candidates = [folder / f"{name}.json"] + ([folder / listed[name]] if name in listed else [])
        documents[name] = _read_json(next((p for p in candidates if p.is_file()), None), warnings)
    information = _items(documents["station_information"], "stations")
    status = _items(documents["station_status"], "stations")
    free = _items(documents["vehicle_status"], "vehicles") or _items(documents["free_bike_status"], "bikes", "vehicles")
    stations = {str(s["station_id"]) for s in (information or status) if s.get("station_id") not in (None, "")}
    docks = 0.0
    for station in information:
        capacity = station.get("capacity")
        if capacity is None and isinstance(station.get("vehicle_docks_capacity"), list):
            capacity = sum(_count(d.get("count")) for d in station["vehicle_docks_capacity"] if isinstance(d, dict))
        docks += _count(capacity)
    at_stations = sum(_count(s.get("num_bikes_available", s.get("num_vehicles_available")))
                      + _count(s.get("num_bikes_disabled", s.get("num_vehicles_disabled"))) for s in status)
    floating = sum(1 for v in free if not (status and v.get("station_id")))
    versions = [d.get("version") for d in (discovery, *documents.values()) if d and isinstance(d.get("version"), str)]
    if not information and not status and not free:
        warnings.append("no station or vehicle found in the snapshot")
    return {
        "stations": len(stations), "vehicles": int(at_stations) + floating, "docks": int(docks),
        "vehicles_at_stations": int(at_stations), "vehicles_free_floating": floating,
        "version": versions[0] if versions else None,
        "files": sorted([n for n, d in documents.items() if d is not None] + (["gbfs"] if discovery else [])),
        "warnings": warnings,
    }
