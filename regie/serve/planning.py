"""The planner as the interfaces use it (API, page, CLI): the graph files loaded once, places
read from what a person types (a stop name, a stop id, or "lat,lon"), questions checked and
answered as plain JSON.

A place or a parameter that cannot be understood raises `ApiError` (a 4xx, with a message naming
the parameter); a question the planner answers without a journey carries its `reason`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from regie.config.region import PlannerSettings
from regie.gtfs.modes import BASIC_ROUTE_TYPES
from regie.journeys.files import read_graph_files
from regie.journeys.graph import JourneyGraph
from regie.journeys.plan import PlanError, Planner
from regie.journeys.plan.request import Coordinates, PlanRequest
from regie.journeys.stop_search import StopFinder
from regie.serve.errors import ApiError, bad_parameter

COORDINATES = re.compile(r"^\s*(-?\d{1,3}(?:\.\d{1,12})?)\s*,\s*(-?\d{1,3}(?:\.\d{1,12})?)\s*$")
BIKE_SHARE = "bike_share"
MAX_PLACE_CHARS = 200


@dataclass
class LoadedGraph:
    """A graph read from its files, with its planner and stop finder (built once)."""

    graph: JourneyGraph
    folder: Path
    planner: Planner
    finder: StopFinder
    metadata: dict[str, Any] = field(default_factory=dict)
    stop_index: dict[str, int] = field(default_factory=dict)  # stop id -> index
    operators: dict[str, str] = field(default_factory=dict)  # operator id -> name

    def summary(self) -> dict[str, Any]:
        graph = self.graph
        return {"feed_version": graph.source_feed_version, "timezone": graph.timezone,
                "window_start": (graph.first_day + timedelta(days=1 if graph.days > 1 else 0)).isoformat(),
                "window_end": (graph.first_day + timedelta(days=max(graph.days - 1, 0))).isoformat(),
                "stops": int(graph.stop_count), "connections": int(graph.connection_count),
                "operators": [str(name) for name in graph.operator_names]}

    def newer_on_disk(self) -> bool:
        """Whether the pipeline has written another graph since this one was loaded (restart to use it)."""
        try:
            on_disk = json.loads((self.folder / "graph.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return on_disk.get("source_feed_version") != self.metadata.get("source_feed_version") \
            or on_disk.get("first_day") != self.metadata.get("first_day")

    def bounds(self) -> list[float] | None:
        lat, lon = self.graph.stop_lat, self.graph.stop_lon
        good = np.isfinite(lat) & np.isfinite(lon)
        if not good.any():
            return None
        return [float(lat[good].min()), float(lon[good].min()), float(lat[good].max()), float(lon[good].max())]

    def modes(self) -> list[str]:
        """Mode names on the graph (routes' basic types, and bike share when there are bike legs)."""
        names = [BASIC_ROUTE_TYPES[int(t)] for t in sorted(set(self.graph.route_mode.tolist()))
                 if int(t) in BASIC_ROUTE_TYPES]
        return names + ([BIKE_SHARE] if bool((self.graph.stop_kind == 1).any()) else [])

    def stop(self, index: int) -> dict[str, Any]:
        """A stop as the API shows it (the keys of the planner's stops, its operator from its namespace)."""
        graph = self.graph
        stop_id = str(graph.stop_ids[index])
        operator = self.operators.get(stop_id.partition(":")[0], "")
        return {"stop_index": int(index), "stop_id": stop_id, "name": str(graph.stop_names[index]),
                "lat": float(graph.stop_lat[index]), "lon": float(graph.stop_lon[index]),
                "kind": ("stop", "bike_station", "station")[int(graph.stop_kind[index])], "operator_name": operator}


def load_graph(folder: Path, settings: PlannerSettings | None = None) -> LoadedGraph | None:
    """The graph files of `folder` with their planner (the region's `planner:` settings, else the
    defaults); None when there are none yet."""
    if not (folder / "graph.json").is_file():
        return None
    graph = read_graph_files(folder)
    metadata = json.loads((folder / "graph.json").read_text(encoding="utf-8"))
    finder = StopFinder(graph)
    loaded = LoadedGraph(graph=graph, folder=folder, planner=Planner(graph, settings, finder=finder), finder=finder,
                       metadata=metadata, stop_index={str(stop_id): i for i, stop_id in enumerate(graph.stop_ids)},
                       operators=operator_names(graph))
    warm_up(loaded)
    return loaded


def warm_up(loaded: LoadedGraph) -> None:
    """Answer a few questions before the first traveller does: the compiled kernels are loaded
    from their cache and the planner's lazily built tables (walking closure, linked stops) made."""
    graph = loaded.graph
    served = np.unique(graph.conn_dep_stop)
    if len(served) < 2:
        return
    at = datetime.combine(graph.first_day + timedelta(days=1 if graph.days > 1 else 0), datetime.min.time())
    origin, destination = int(served[0]), int(served[len(served) // 2])
    for hour, transfers in ((8, None), (23, 0)):  # a journey, and most likely none: the reasons' path
        request = PlanRequest(origin=origin, destination=destination, at=at + timedelta(hours=hour),
                              max_transfers=transfers)
        loaded.planner.earliest_arrival(request)


def operator_names(graph: JourneyGraph) -> dict[str, str]:
    """Operator id -> name, bike-share operators included."""
    pairs = [*zip(graph.operator_ids, graph.operator_names, strict=True),
             *zip(graph.bike_operator, graph.bike_operator_names, strict=True)]
    return {str(operator): str(name or operator) for operator, name in pairs}


@dataclass(frozen=True)
class ResolvedPlace:
    place: int | Coordinates
    description: dict[str, Any]


def resolve_place(loaded: LoadedGraph, text: str, parameter: str) -> ResolvedPlace:
    """A stop id, "lat,lon", or the stop whose name matches best (case, accents, stop words ignored)."""
    text = text.strip()
    if not text:
        raise bad_parameter(parameter, "give a stop name, a stop id or \"lat,lon\"")
    if len(text) > MAX_PLACE_CHARS:
        raise bad_parameter(parameter, f"at most {MAX_PLACE_CHARS} characters")
    match = COORDINATES.match(text)
    if match:
        lat, lon = float(match.group(1)), float(match.group(2))
        check_coordinates(lat, lon, parameter)
        return ResolvedPlace(Coordinates(lat, lon), {"lat": lat, "lon": lon, "name": f"{lat:.6f},{lon:.6f}"})
    index = loaded.stop_index.get(text)
    if index is None:
        found = loaded.finder.by_name(text, 1)
        if not found:
            raise ApiError(404, "unknown_stop", f"no stop matches {text[:80]!r} (parameter '{parameter}')",
                           {"parameter": parameter})
        index = found[0].index
        parent = int(loaded.graph.stop_parent[index])
        index = parent if parent >= 0 else index  # the station stands for all its stops
    return ResolvedPlace(index, loaded.stop(index))


def check_coordinates(lat: float, lon: float, parameter: str) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_parameter(parameter, "latitude must be within -90..90 and longitude within -180..180")


def parse_at(text: str, loaded: LoadedGraph) -> datetime:
    """A local date and time of the region (an offset, if given, is converted)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise bad_parameter("at", f"write a date and time such as {loaded.summary()['window_start']}T08:00") from None
    if not 1900 <= moment.year <= 2200:
        raise bad_parameter("at", "the year must be within 1900..2200")
    return moment


def parse_modes(text: str | None, loaded: LoadedGraph) -> list[str] | None:
    if text is None or not text.strip():
        return None
    modes = [part.strip() for part in text.split(",") if part.strip()]
    known = set(BASIC_ROUTE_TYPES.values()) | {BIKE_SHARE}
    unknown = [mode for mode in modes if mode not in known]
    if unknown or len(modes) > len(known):
        raise bad_parameter("modes", f"unknown mode {unknown[0][:40]!r}; use a comma-separated list of "
                                     f"{', '.join(sorted(known))}" if unknown else "too many modes")
    return modes


@dataclass(frozen=True)
class JourneyOptions:
    arrive_by: bool = False
    wheelchair: bool = False
    max_transfers: int | None = None
    max_walk_m: float | None = None
    min_transfer_slack_s: int | None = None
    modes: Sequence[str] | None = None
    pareto: bool = False
    window_min: int | None = None
    max_results: int = 5


def _request(origin: ResolvedPlace, destination: ResolvedPlace | None, at: datetime,
             options: JourneyOptions) -> PlanRequest:
    return PlanRequest(origin=origin.place, destination=destination.place if destination else None, at=at,
                       arrive_by=options.arrive_by, max_transfers=options.max_transfers,
                       max_walk_m=options.max_walk_m, min_transfer_slack_s=options.min_transfer_slack_s,
                       modes=list(options.modes) if options.modes is not None else None,
                       wheelchair=options.wheelchair)


def plan_journeys(loaded: LoadedGraph, origin: ResolvedPlace, destination: ResolvedPlace, at: datetime,
                  options: JourneyOptions) -> dict[str, Any]:
    """The answer: the resolved places, the question, the journeys (at most `max_results`) or why none."""
    request = _request(origin, destination, at, options)
    planner = loaded.planner
    try:
        if options.window_min:
            result = planner.range_query(request, options.window_min * 60)
        elif options.pareto:
            result = planner.pareto(request)
        elif options.arrive_by:
            result = planner.latest_departure(request)
        else:
            result = planner.earliest_arrival(request)
    except PlanError as exc:
        raise ApiError(422, "invalid_parameter", str(exc)) from None
    answer = result.to_dict()
    journeys = list(answer.get("journeys") or [])[:options.max_results]
    for journey in journeys:
        for leg in journey["legs"]:
            if leg["kind"] == "bike" and not leg.get("operator_name"):  # the bike-share operator of its station
                operator = str(leg["from"].get("stop_id", "")).partition(":")[0]
                leg.update(operator_id=operator, operator_name=loaded.operators.get(operator, operator))
    return {"from": origin.description, "to": destination.description, "request": request.to_dict(),
            "journeys": journeys, "reason": answer.get("reason") if not journeys else None}


def isochrone(loaded: LoadedGraph, origin: ResolvedPlace, at: datetime, budget_s: int,
              options: JourneyOptions) -> dict[str, Any]:
    request = _request(origin, None, at, options)
    try:
        answer = loaded.planner.isochrone(request, budget_s).to_dict()
    except PlanError as exc:
        raise ApiError(422, "invalid_parameter", str(exc)) from None
    return {"from": origin.description, "request": request.to_dict(), "budget_s": budget_s, **answer}


def find_stops(loaded: LoadedGraph, q: str | None, lat: float | None, lon: float | None, radius_m: float,
               limit: int) -> list[dict[str, Any]]:
    """Stops by name (best first), or near coordinates (nearest first, with their distance)."""
    if q is not None and q.strip():
        return [loaded.stop(match.index) for match in loaded.finder.by_name(q.strip(), limit)]
    if lat is not None and lon is not None:
        check_coordinates(lat, lon, "lat/lon")
        return [{**loaded.stop(index), "distance_m": round(metres, 1)}
                for index, metres in loaded.finder.near(lat, lon, radius_m)[:limit]]
    raise bad_parameter("q", "give a name to search (q) or coordinates (lat and lon)")
