"""A request read against a graph: its options (the planner's settings where the request says
nothing) and its places resolved to stops, with the walk to or from each when a place is given
by coordinates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regie.config.region import PlannerSettings
from regie.gtfs.modes import BASIC_ROUTE_TYPES
from regie.journeys.graph import JourneyGraph
from regie.journeys.plan.legs import Endpoint
from regie.journeys.plan.request import Coordinates, Place, PlanRequest
from regie.journeys.plan.results import NOT_LINKED, UNKNOWN_STOP, Reason
from regie.journeys.stop_search import StopFinder

MODE_CODES = {name: code for code, name in BASIC_ROUTE_TYPES.items()}
BIKE_SHARE = "bike_share"


class PlanError(ValueError):
    """A request the planner cannot read (bad mode name, negative option)."""


@dataclass(frozen=True)
class Options:
    """What a scan needs of a request: trips allowed (transfers + 1), walking, slack, route types
    allowed (None: all), shared bikes, wheelchair only."""

    max_trips: int
    max_walk_m: float
    slack: int
    modes: frozenset[int] | None
    bike: bool
    wheelchair: bool


@dataclass
class Ends:
    """A place resolved to stops: stop indexes, walk seconds to/from each, and the endpoint when
    the place was given by coordinates."""

    stops: np.ndarray
    seconds: np.ndarray
    place: Coordinates | None
    metres: np.ndarray

    def endpoint(self, stop: int) -> Endpoint | None:
        if self.place is None:
            return None
        i = int(np.flatnonzero(self.stops == stop)[0])
        return Endpoint(self.place.lat, self.place.lon, stop, int(self.seconds[i]), float(self.metres[i]))


def request_options(request: PlanRequest, settings: PlannerSettings) -> Options:
    """The request's options, the settings' where it gives none; PlanError when unreadable."""
    s = settings
    transfers = s.max_transfers if request.max_transfers is None else int(request.max_transfers)
    walk = s.max_walk_m if request.max_walk_m is None else float(request.max_walk_m)
    slack = s.min_transfer_slack_s if request.min_transfer_slack_s is None else int(request.min_transfer_slack_s)
    if transfers < 0 or walk < 0 or slack < 0:
        raise PlanError("max_transfers, max_walk_m and min_transfer_slack_s cannot be negative")
    modes: frozenset[int] | None = None
    bike = not request.wheelchair
    if request.modes is not None:
        codes: set[int] = set()
        for mode in request.modes:
            if isinstance(mode, int) or (isinstance(mode, str) and mode.isdigit()):
                codes.add(int(mode))
            elif mode == BIKE_SHARE:
                continue
            elif mode in MODE_CODES:
                codes.add(MODE_CODES[mode])
            else:
                raise PlanError(f"unknown mode {mode!r}: one of {', '.join([*MODE_CODES, BIKE_SHARE])}"
                                " or a GTFS route_type")
        modes = frozenset(codes)
        bike = bike and BIKE_SHARE in request.modes
    return Options(transfers + 1, walk, slack, modes, bike, request.wheelchair)


def resolve_place(graph: JourneyGraph, finder: StopFinder, settings: PlannerSettings, place: Place, opts: Options,
                  role: str) -> tuple[Ends | None, Reason | None]:
    """The stops of a place: a stop index, stop indexes (a station's index stands for its stops) or
    coordinates (the stops within walking distance); or why there are none."""
    g = graph
    if isinstance(place, Coordinates) or (isinstance(place, tuple) and len(place) == 2
                                          and all(isinstance(v, float) for v in place)):
        lat, lon = float(place[0]), float(place[1])
        near = finder.near(lat, lon, opts.max_walk_m)
        if not near:
            return None, Reason(NOT_LINKED, f"no stop within {opts.max_walk_m:.0f} m walking of the {role} "
                                            f"({lat:.5f}, {lon:.5f})")
        stops = np.array([s for s, _ in near], dtype=np.int32)
        metres = np.array([m for _, m in near], dtype=np.float64) * settings.walk_detour
        seconds = np.ceil(metres / settings.walk_speed_mps).astype(np.int32)
        return Ends(stops, seconds, Coordinates(lat, lon), metres), None
    indexes = [place] if isinstance(place, (int, np.integer)) else list(place)
    bad = [i for i in indexes if not isinstance(i, (int, np.integer)) or not 0 <= int(i) < g.stop_count]
    if bad or not indexes:
        return None, Reason(UNKNOWN_STOP, f"unknown {role} stop: {bad[0] if bad else 'none given'}")
    chosen_stops: set[int] = set()
    for i in indexes:
        children = np.flatnonzero(g.stop_parent == int(i)) if g.stop_kind[int(i)] == 2 else np.zeros(0, int)
        chosen_stops.update(int(c) for c in children) if len(children) else chosen_stops.add(int(i))
    chosen = np.array(sorted(chosen_stops), dtype=np.int32)
    return Ends(chosen, np.zeros(len(chosen), np.int32), None, np.zeros(len(chosen))), None
