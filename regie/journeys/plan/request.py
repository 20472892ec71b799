"""What a traveller asks: from where to where, when, and with which options."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


class Coordinates(NamedTuple):
    """A place given by coordinates: the nearest stops within walking distance are its stops."""

    lat: float
    lon: float


Place = int | Sequence[int] | Coordinates


@dataclass
class PlanRequest:
    """A journey question. origin / destination: a stop index, stop indexes (a station's stops,
    for instance; a station index stands for its stops) or `Coordinates`. `at` is a local datetime
    of the graph's time zone (naive) or an aware one; with `arrive_by` it is the arrival deadline.
    Options left None take the planner's settings (region.yaml `planner:`). `modes`: GTFS route
    types or mode names ("bus", "rail", ...; "bike_share" for shared bikes)."""

    origin: Place
    destination: Place | None
    at: datetime
    arrive_by: bool = False
    max_transfers: int | None = None
    max_walk_m: float | None = None
    min_transfer_slack_s: int | None = None
    modes: Collection[int | str] | None = None
    wheelchair: bool = False

    def to_dict(self) -> dict[str, object]:
        def place(value: Place | None) -> object:
            if value is None or isinstance(value, int):
                return value
            if isinstance(value, Coordinates):
                return {"lat": value.lat, "lon": value.lon}
            return [int(v) for v in value]

        return {"origin": place(self.origin), "destination": place(self.destination),
                "at": self.at.isoformat(), "arrive_by": self.arrive_by, "max_transfers": self.max_transfers,
                "max_walk_m": self.max_walk_m, "min_transfer_slack_s": self.min_transfer_slack_s,
                "modes": sorted(str(m) for m in self.modes) if self.modes is not None else None,
                "wheelchair": self.wheelchair}
