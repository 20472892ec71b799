"""Bike-share legs from a GBFS snapshot (station_information + station_status, v1 to v3).

Each station of a system becomes a graph stop (stop_kind 1, id "<operator>:bike:<station_id>").
ACCESS edges: walking between a stop and a station at most `bike_access_m` apart, both ways.
BIKE_RIDE edges: from a station with a bike available (renting) to another station of the same
system with a free dock (returning) at most `max_bike_ride_m` apart (straight line): ridden
distance = straight line × cycling_detour, duration = ridden distance / cycling_speed_mps +
bike_unlock_s. The snapshot is a moment: the graph keeps the bikes and docks it saw.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from regie.config.region import PlannerSettings
from regie.journeys.edges import Edges
from regie.journeys.footpaths import walk_seconds
from regie.journeys.graph import ACCESS, BIKE_RIDE, NOT_ACCESSIBLE, UNKNOWN
from regie.journeys.spatial import pairs_within
from regie.journeys.stops import BIKE_STATION, STOP, Stops

MAX_GBFS_BYTES = 64 << 20


@dataclass
class BikeSystem:
    """The stations of one bike-share system at the time of its snapshot."""

    operator_id: str
    operator_name: str
    station_ids: list[str]
    names: list[str]
    lat: np.ndarray  # float64
    lon: np.ndarray
    capacity: np.ndarray  # int32, -1 unknown
    bikes: np.ndarray  # int32 bikes available to rent now (0 when not renting)
    docks: np.ndarray  # int32 free docks now (0 when not returning)
    warnings: list[str] = field(default_factory=list)


@dataclass
class BikeStations:
    """The bike-share stations of the graph, as arrays (graph fields `bike_*`)."""

    stop: np.ndarray  # int32 graph stop of the station
    station_ids: np.ndarray  # object (str) GBFS station_id
    operator: np.ndarray  # object (str) operator id
    operator_names: np.ndarray  # object (str)
    capacity: np.ndarray  # int32
    bikes: np.ndarray  # int32
    docks: np.ndarray  # int32

    def graph_fields(self) -> dict[str, np.ndarray]:
        return {"bike_stop": self.stop, "bike_station_ids": self.station_ids, "bike_operator": self.operator,
                "bike_operator_names": self.operator_names, "bike_capacity": self.capacity,
                "bike_bikes": self.bikes, "bike_docks": self.docks}


def _document(folder: Path, name: str, warnings: list[str]) -> dict[str, Any]:
    path = folder / f"{name}.json"
    if not path.is_file() or path.stat().st_size > MAX_GBFS_BYTES:
        warnings.append(f"{name}.json: missing or too large in {folder.name}")
        return {}
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        warnings.append(f"{name}.json: not read ({exc})")
        return {}
    return value if isinstance(value, dict) else {}


def _stations(document: dict[str, Any]) -> list[dict[str, Any]]:
    data = document.get("data")
    values = data.get("stations") if isinstance(data, dict) else None
    return [v for v in values if isinstance(v, dict) and isinstance(v.get("station_id"), str | int)] \
        if isinstance(values, list) else []


def _text(value: Any) -> str:
    """A GBFS name: a string (v1, v2) or localised strings (v3: the first)."""
    if isinstance(value, list):
        value = next((v.get("text") for v in value if isinstance(v, dict) and isinstance(v.get("text"), str)), "")
    return value if isinstance(value, str) else ""


def _number(value: Any, default: float = math.nan) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return default
    try:
        number = float(value)
    except ValueError:
        return default
    return number if math.isfinite(number) else default


def _flag(value: Any) -> bool:
    return value is True or value in (1, "1", "true")


def _ints(values: list[float]) -> np.ndarray:
    return np.clip(np.asarray(values, dtype=float), -1, 2**31 - 1).astype(np.int32)


def _joined(systems: list[BikeSystem], name: str) -> np.ndarray:
    return np.concatenate([getattr(s, name) for s in systems]) if systems else np.zeros(0)


def read_gbfs_snapshot(folder: Path, operator_id: str, operator_name: str = "") -> BikeSystem:
    """A bike-share system from a snapshot folder (`<name>.json` files, as the collector stores
    them): stations with coordinates; bikes and docks from station_status (0 when absent)."""
    warnings: list[str] = []
    information = _stations(_document(folder, "station_information", warnings))
    status = {str(s["station_id"]): s for s in _stations(_document(folder, "station_status", warnings))}
    ids, names, lat, lon, capacity, bikes, docks = [], [], [], [], [], [], []
    for station in information:  # one station at a time: a JSON document has no columns
        la, lo = _number(station.get("lat")), _number(station.get("lon"))
        if not (abs(la) <= 90 and abs(lo) <= 180) or (la == 0 and lo == 0):
            continue
        key = str(station["station_id"])
        now = status.get(key, {})
        renting = _flag(now.get("is_renting", True)) and _flag(now.get("is_installed", True))
        returning = _flag(now.get("is_returning", True)) and _flag(now.get("is_installed", True))
        available = _number(now.get("num_bikes_available", now.get("num_vehicles_available")), 0.0)
        free = _number(now.get("num_docks_available"), 0.0)
        ids.append(key)
        names.append(_text(station.get("name")) or key)
        lat.append(la)
        lon.append(lo)
        capacity.append(_number(station.get("capacity"), -1.0))
        bikes.append(max(available, 0.0) if renting else 0.0)
        docks.append(max(free, 0.0) if returning else 0.0)
    return BikeSystem(operator_id=operator_id, operator_name=operator_name or operator_id, station_ids=ids,
                      names=names, lat=np.asarray(lat, dtype=float), lon=np.asarray(lon, dtype=float),
                      capacity=_ints(capacity), bikes=_ints(bikes), docks=_ints(docks), warnings=warnings)


def latest_snapshot_folder(feed_folder: Path) -> Path | None:
    """The newest snapshot `snapshots/<operator>/<feed>/<UTC time>/` holding station_information."""
    if not feed_folder.is_dir():
        return None
    stamps = sorted((p for p in feed_folder.iterdir() if p.is_dir() and (p / "station_information.json").is_file()),
                    key=lambda p: p.name)
    return stamps[-1] if stamps else None


def bike_stops(stops: Stops, systems: list[BikeSystem]) -> tuple[Stops, BikeStations]:
    """The graph's stops with every system's stations appended (stop_kind 1), and the stations."""
    count = sum(len(s.station_ids) for s in systems)
    first = len(stops.ids)
    ids = np.array([f"{s.operator_id}:bike:{i}" for s in systems for i in s.station_ids], dtype=object)
    names = np.array([n for s in systems for n in s.names], dtype=object)
    appended = replace(
        stops, ids=np.r_[stops.ids, ids].astype(object), names=np.r_[stops.names, names].astype(object),
        lat=np.r_[stops.lat, _joined(systems, "lat")], lon=np.r_[stops.lon, _joined(systems, "lon")],
        parent=np.r_[stops.parent, np.full(count, -1)].astype(np.int32),
        wheelchair=np.r_[stops.wheelchair, np.full(count, NOT_ACCESSIBLE)].astype(np.int8),
        kind=np.r_[stops.kind, np.full(count, BIKE_STATION)].astype(np.int8))
    operators = np.array([s.operator_id for s in systems for _ in s.station_ids], dtype=object)
    operator_names = np.array([s.operator_name for s in systems for _ in s.station_ids], dtype=object)
    stations = BikeStations(
        stop=np.arange(first, first + count, dtype=np.int32),
        station_ids=np.array([i for s in systems for i in s.station_ids], dtype=object), operator=operators,
        operator_names=operator_names, capacity=_joined(systems, "capacity").astype(np.int32),
        bikes=_joined(systems, "bikes").astype(np.int32), docks=_joined(systems, "docks").astype(np.int32))
    return appended, stations


def bike_edges(stops: Stops, stations: BikeStations, feed_stop_count: int, settings: PlannerSettings) -> Edges:
    """ACCESS edges (stop ↔ station, both ways) and BIKE_RIDE edges (station → station)."""
    if not len(stations.stop):
        return Edges.empty()
    s = stations.stop.astype(np.int64)
    boardable = np.flatnonzero(stops.kind[:feed_stop_count] == STOP)
    i, j, metres = pairs_within(stops.lat[boardable], stops.lon[boardable], stops.lat[s], stops.lon[s],
                                settings.bike_access_m)
    walk = walk_seconds(metres, settings)
    walked = metres * settings.walk_detour
    access = Edges(np.r_[boardable[i], s[j]], np.r_[s[j], boardable[i]], np.r_[walk, walk], np.r_[walked, walked],
                   np.full(2 * len(i), ACCESS), np.full(2 * len(i), UNKNOWN))
    a, b, metres = pairs_within(stops.lat[s], stops.lon[s], stops.lat[s], stops.lon[s], settings.max_bike_ride_m)
    ride = (a != b) & (stations.operator[a] == stations.operator[b]) & (stations.bikes[a] > 0) & (stations.docks[b] > 0)
    a, b, ridden = a[ride], b[ride], metres[ride] * settings.cycling_detour
    rides = Edges(s[a], s[b], np.ceil(ridden / settings.cycling_speed_mps) + settings.bike_unlock_s, ridden,
                  np.full(len(a), BIKE_RIDE), np.full(len(a), NOT_ACCESSIBLE))
    return Edges.concat([access, rides])
