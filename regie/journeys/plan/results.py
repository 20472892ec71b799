"""What the planner answers: journeys of legs, the reason when there is none, isochrones; each
with `to_dict()` for JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# reason codes
UNKNOWN_STOP = "unknown_stop"
NO_SERVICE_ON_DATE = "no_service_on_date"
NOT_LINKED = "not_linked"
NOTHING_IN_WINDOW = "nothing_in_window"
ACCESSIBILITY = "accessibility"


@dataclass(frozen=True)
class Reason:
    """Why there is no journey: a stable code and a sentence for a person."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class StopRef:
    index: int | None  # None: a place given by coordinates
    stop_id: str
    name: str
    lat: float
    lon: float

    def to_dict(self) -> dict[str, Any]:
        return {"stop_index": self.index, "stop_id": self.stop_id, "name": self.name, "lat": self.lat, "lon": self.lon}


@dataclass(frozen=True)
class Leg:
    """One leg: `kind` "transit", "walk" or "bike"; transit legs name their route and trip."""

    kind: str
    origin: StopRef
    destination: StopRef
    departure: str  # ISO local datetime with offset
    arrival: str
    departure_s: int  # graph seconds
    arrival_s: int
    distance_m: float
    geometry: np.ndarray  # float64 rows (lon, lat)
    mode: str = "walk"
    route_type: int | None = None
    operator_id: str = ""
    operator_name: str = ""
    route_id: str = ""
    route_short_name: str = ""
    route_long_name: str = ""
    headsign: str = ""
    trip_id: str = ""
    intermediate_stops: list[StopRef] = field(default_factory=list)

    @property
    def duration_s(self) -> int:
        return self.arrival_s - self.departure_s

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind, "mode": self.mode, "from": self.origin.to_dict(), "to": self.destination.to_dict(),
            "departure": self.departure, "arrival": self.arrival, "duration_s": self.duration_s,
            "distance_m": round(self.distance_m, 1),
            "geometry": {"type": "LineString", "coordinates": np.round(self.geometry, 6).tolist()}}
        if self.kind == "bike":
            out.update(operator_id=self.operator_id, operator_name=self.operator_name)
        if self.kind == "transit":
            out.update(route_type=self.route_type, operator_id=self.operator_id, operator_name=self.operator_name,
                       route_id=self.route_id, route_short_name=self.route_short_name,
                       route_long_name=self.route_long_name, headsign=self.headsign, trip_id=self.trip_id,
                       intermediate_stops=[s.to_dict() for s in self.intermediate_stops])
        return out


@dataclass(frozen=True)
class Journey:
    legs: list[Leg]
    departure: str
    arrival: str
    departure_s: int
    arrival_s: int

    @property
    def trips(self) -> int:
        return sum(1 for leg in self.legs if leg.kind == "transit")

    @property
    def transfers(self) -> int:
        return max(0, self.trips - 1)

    @property
    def duration_s(self) -> int:
        return self.arrival_s - self.departure_s

    def to_dict(self) -> dict[str, Any]:
        return {"departure": self.departure, "arrival": self.arrival, "duration_s": self.duration_s,
                "transfers": self.transfers, "legs": [leg.to_dict() for leg in self.legs]}


@dataclass
class PlanResult:
    """The answer to one query: its journeys (earliest arrival and latest departure: at most one),
    or the reason there is none."""

    query: str  # earliest_arrival | latest_departure | pareto | range
    request: dict[str, Any]
    journeys: list[Journey]
    reason: Reason | None = None

    @property
    def found(self) -> bool:
        return bool(self.journeys)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "request": self.request, "journeys": [j.to_dict() for j in self.journeys],
                "reason": self.reason.to_dict() if self.reason else None}


@dataclass(frozen=True)
class Reached:
    stop: StopRef
    arrival: str
    arrival_s: int
    travel_s: int

    def to_dict(self) -> dict[str, Any]:
        return {**self.stop.to_dict(), "arrival": self.arrival, "travel_s": self.travel_s}


@dataclass
class IsochroneResult:
    """Every stop reached within the budget, earliest first."""

    request: dict[str, Any]
    budget_s: int
    stops: list[Reached]
    reason: Reason | None = None

    def geojson(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.stop.lon, r.stop.lat]},
             "properties": {"stop_index": r.stop.index, "stop_id": r.stop.stop_id, "name": r.stop.name,
                            "arrival": r.arrival, "travel_s": r.travel_s}} for r in self.stops]}

    def to_dict(self) -> dict[str, Any]:
        return {"query": "isochrone", "request": self.request, "budget_s": self.budget_s,
                "stops": [r.to_dict() for r in self.stops], "geojson": self.geojson(),
                "reason": self.reason.to_dict() if self.reason else None}
