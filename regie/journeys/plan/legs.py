"""Journeys from a scan's parent labels: trace back from the destination, then describe each leg
(route, operator, stops with coordinates, local times, distance, geometry from shapes.txt cut
between the leg's stops, else straight lines through them)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from regie.gtfs.geo import haversine_m
from regie.gtfs.modes import BASIC_ROUTE_TYPES, mode_names
from regie.journeys.graph import BIKE_RIDE, JourneyGraph
from regie.journeys.plan.results import Journey, Leg, StopRef
from regie.journeys.plan.walks import walk_path


@dataclass(frozen=True)
class Ride:
    board: int  # connection boarded
    alight: int  # connection alighted from


@dataclass(frozen=True)
class Walk:
    start: int  # stop
    end: int


@dataclass(frozen=True)
class Endpoint:
    """A place given by coordinates and the walk between it and a stop (access or egress)."""

    lat: float
    lon: float
    stop: int
    seconds: int
    metres: float


def trace(graph: JourneyGraph, labels: tuple[np.ndarray, ...], stop: int, row: int) -> list[Ride | Walk]:
    """Steps from the origin stop to `stop` by the arrival label of `row` (rounds: trips used)."""
    _, _, a_par, r_par = labels
    steps: list[Ride | Walk] = []
    parents, s, k = a_par, stop, row
    for _ in range(4 * graph.stop_count + 4):  # bounded: every step goes back in time
        board, conn, walked, rnd = (int(x) for x in parents[:, k, s])
        if walked >= 0 and walked != s:
            steps.append(Walk(walked, s))
        if conn < 0:
            return steps[::-1]
        steps.append(Ride(board, conn))
        s = int(graph.conn_dep_stop[board])
        k = rnd - 1 if rnd >= 1 else 0
        parents = r_par
    raise RuntimeError("journey trace does not end at an origin")


def mode_name(route_type: int) -> str:
    return BASIC_ROUTE_TYPES.get(route_type) or str(mode_names(np.array([route_type]))[0]) or "transit"


class LegBuilder:
    """Turns traced steps into legs of a graph."""

    def __init__(self, graph: JourneyGraph) -> None:
        self.graph = graph
        self._stops: dict[int, StopRef] = {}  # built once per stop a journey passes

    def iso(self, seconds: int) -> str:
        return self.graph.local_time(seconds).isoformat()

    @cached_property
    def trip_connections(self) -> tuple[np.ndarray, np.ndarray]:
        """Connections of each trip in order: (offsets by trip, connection indexes)."""
        g = self.graph
        order = np.lexsort((g.conn_seq, g.conn_trip)).astype(np.int32)
        offsets = np.zeros(len(g.trip_ids) + 1, dtype=np.int64)
        np.cumsum(np.bincount(g.conn_trip, minlength=len(g.trip_ids)), out=offsets[1:])
        return offsets, order

    def stop(self, index: int) -> StopRef:
        known = self._stops.get(index)
        if known is None:
            g = self.graph
            known = self._stops[index] = StopRef(index, str(g.stop_ids[index]), str(g.stop_names[index]),
                                                 float(g.stop_lat[index]), float(g.stop_lon[index]))
        return known

    def journey(self, steps: list[Ride | Walk], *, start_s: int, usable: np.ndarray, max_walk_m: float,
                access: Endpoint | None, egress: Endpoint | None) -> Journey:
        legs: list[Leg] = []
        clock_s = start_s
        pending: list[tuple[int, int]] = []  # footpaths walked before the first ride, placed late
        for step in steps:
            if isinstance(step, Walk):
                path = walk_path(self.graph, usable, max_walk_m, step.start, step.end)
                if legs:
                    clock_s = self._walk_legs(legs, path, step.start, clock_s)
                else:
                    pending.append((step.start, step.end))
            else:
                board_s = int(self.graph.conn_dep[step.board])
                if not legs and pending:
                    paths = [walk_path(self.graph, usable, max_walk_m, a, b) for a, b in pending]
                    walk_s = sum(int(self.graph.foot_duration[e]) for p in paths for e in p)
                    t = board_s - walk_s
                    for (a, _), p in zip(pending, paths, strict=True):
                        t = self._walk_legs(legs, p, a, t)
                    pending = []
                legs.append(self._ride(step))
                clock_s = legs[-1].arrival_s
        for a, b in pending:  # a journey on foot only
            clock_s = self._walk_legs(legs, walk_path(self.graph, usable, max_walk_m, a, b), a, clock_s)
        if access is not None:
            first_s = legs[0].departure_s if legs else clock_s
            legs.insert(0, self._place_leg(access, to_place=False, end_s=first_s))
        if egress is not None:
            last_s = legs[-1].arrival_s if legs else clock_s
            legs.append(self._place_leg(egress, to_place=True, end_s=last_s + egress.seconds))
        if not legs:  # already there
            return Journey([], self.iso(start_s), self.iso(start_s), start_s, start_s)
        return Journey(legs, legs[0].departure, legs[-1].arrival, legs[0].departure_s, legs[-1].arrival_s)

    def _place_leg(self, end: Endpoint, *, to_place: bool, end_s: int) -> Leg:
        place = StopRef(None, "", "", end.lat, end.lon)
        stop = self.stop(end.stop)
        a, b = (stop, place) if to_place else (place, stop)
        start_s = end_s - end.seconds
        return Leg("walk", a, b, self.iso(start_s), self.iso(end_s), start_s, end_s, end.metres,
                   np.array([(a.lon, a.lat), (b.lon, b.lat)]))

    def _walk_legs(self, legs: list[Leg], path: list[int], start: int, start_s: int) -> int:
        """Append walk / bike legs along footpaths `path` from stop `start`; returns the end time."""
        g = self.graph
        at, t = start, start_s
        i = 0
        while i < len(path):
            bike = g.foot_kind[path[i]] == BIKE_RIDE
            j = i
            points, metres, seconds, stop = [at], 0.0, 0, at
            while j < len(path) and (g.foot_kind[path[j]] == BIKE_RIDE) == bike:
                e = path[j]
                stop = int(g.foot_to[e])
                metres += float(g.foot_distance[e])
                seconds += int(g.foot_duration[e])
                points.append(stop)
                j += 1
            operator_id, operator_name = self._bike_operator(at) if bike else ("", "")
            legs.append(Leg("bike" if bike else "walk", self.stop(at), self.stop(stop), self.iso(t),
                            self.iso(t + seconds), t, t + seconds, metres,
                            np.column_stack((g.stop_lon[points], g.stop_lat[points])),
                            mode="bike_share" if bike else "walk", operator_id=operator_id, operator_name=operator_name))
            at, t, i = stop, t + seconds, j
        return t

    def _bike_operator(self, stop: int) -> tuple[str, str]:
        """(id, name) of the bike-share operator of the station at `stop`, ("", "") if unknown."""
        g = self.graph
        hits = np.flatnonzero(g.bike_stop == stop) if len(g.bike_stop) else np.zeros(0, int)
        if not len(hits) or len(g.bike_operator) <= hits[0]:
            return "", ""
        names = g.bike_operator_names
        return str(g.bike_operator[hits[0]]), str(names[hits[0]]) if len(names) > hits[0] else ""

    def _ride(self, ride: Ride) -> Leg:
        g = self.graph
        trip = int(g.conn_trip[ride.board])
        route = int(g.trip_route[trip])
        offsets, order = self.trip_connections
        conns = order[offsets[trip]:offsets[trip + 1]]
        seqs = g.conn_seq[conns]
        lo = int(np.searchsorted(seqs, g.conn_seq[ride.board]))
        hi = int(np.searchsorted(seqs, g.conn_seq[ride.alight]))
        hops = conns[lo:hi + 1]
        stops = [int(g.conn_dep_stop[c]) for c in hops] + [int(g.conn_arr_stop[ride.alight])]
        geometry, metres = self._geometry(trip, stops, int(ride.board), int(ride.alight))
        operator = int(g.route_operator[route])
        dep_s, arr_s = int(g.conn_dep[ride.board]), int(g.conn_arr[ride.alight])
        return Leg("transit", self.stop(stops[0]), self.stop(stops[-1]), self.iso(dep_s), self.iso(arr_s),
                   dep_s, arr_s, metres, geometry, mode=mode_name(int(g.route_mode[route])),
                   route_type=int(g.route_mode[route]), operator_id=str(g.operator_ids[operator]),
                   operator_name=str(g.operator_names[operator]), route_id=str(g.route_ids[route]),
                   route_short_name=str(g.route_short_names[route]), route_long_name=str(g.route_long_names[route]),
                   headsign=str(g.trip_headsign[trip]), trip_id=str(g.trip_ids[trip]),
                   intermediate_stops=[self.stop(s) for s in stops[1:-1]])

    def _geometry(self, trip: int, stops: list[int], board: int, alight: int) -> tuple[np.ndarray, float]:
        """(lon, lat) rows along the shape between the leg's first and last stop (by shape distance
        where the graph has it, else by the points nearest the stops), else straight lines
        through the stops; and the length in metres."""
        g = self.graph
        lats, lons = g.stop_lat[stops], g.stop_lon[stops]
        points = np.column_stack((lons, lats))
        shape = int(g.trip_shape[trip])
        lo, hi = (int(g.shape_offsets[shape]), int(g.shape_offsets[shape + 1])) \
            if 0 <= shape < len(g.shape_offsets) - 1 else (0, 0)
        if hi - lo >= 2:
            s_lat, s_lon = g.shape_lat[lo:hi], g.shape_lon[lo:hi]
            start = end = -1
            if len(g.conn_arr_shape_dist) == len(g.conn_dep) and len(g.shape_dist) == len(g.shape_lat):
                dist = g.shape_dist[lo:hi]
                d0, d1 = g.conn_shape_dist[board], g.conn_arr_shape_dist[alight]
                if np.isfinite(d0) and np.isfinite(d1) and d1 >= d0:
                    start = int(np.searchsorted(dist, d0, side="left"))
                    end = int(np.searchsorted(dist, d1, side="right"))
            if start < 0:
                start = int(np.argmin(haversine_m(lats[0], lons[0], s_lat, s_lon)))
                end = start + 1 + int(np.argmin(haversine_m(lats[-1], lons[-1], s_lat[start:], s_lon[start:])))
            points = np.vstack((points[:1], np.column_stack((s_lon[start:end], s_lat[start:end])), points[-1:]))
        metres = float(haversine_m(points[:-1, 1], points[:-1, 0], points[1:, 1], points[1:, 0]).sum())
        return points, metres
