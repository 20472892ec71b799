"""The planner over one journey graph: earliest arrival, latest departure, Pareto sets of
(arrival, transfers), range queries and isochrones, each with journeys or the reason there is none.

Per query it resolves the places and options (walking closure and trip masks are cached per option
set), binary-searches the first connection at the departure time and runs a compiled scan
(regie.journeys.plan.kernels) that stops once the destination is settled."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np

from regie.config.region import PlannerSettings
from regie.journeys.graph import ACCESSIBLE, UNKNOWN, JourneyGraph
from regie.journeys.plan import kernels
from regie.journeys.plan.legs import LegBuilder, Ride, trace
from regie.journeys.plan.request import PlanRequest
from regie.journeys.plan.resolve import Ends, Options, request_options, resolve_place
from regie.journeys.plan.results import (
    ACCESSIBILITY,
    NO_SERVICE_ON_DATE,
    NOT_LINKED,
    NOTHING_IN_WINDOW,
    UNKNOWN_STOP,
    IsochroneResult,
    Journey,
    PlanResult,
    Reached,
    Reason,
)
from regie.journeys.plan.walks import Closure, usable_footpaths, walking_closure
from regie.journeys.stop_search import StopFinder

INF = int(kernels.INF)


class Planner:
    """Queries over one graph; `settings` gives the defaults of the options a request leaves out."""

    def __init__(self, graph: JourneyGraph, settings: PlannerSettings | None = None,
                 finder: StopFinder | None = None) -> None:
        self.graph = graph
        self.settings = settings or PlannerSettings()
        self.legs = LegBuilder(graph)
        self._finder = finder
        i32 = np.int32
        self._dep_stop = np.ascontiguousarray(graph.conn_dep_stop, dtype=i32)
        self._arr_stop = np.ascontiguousarray(graph.conn_arr_stop, dtype=i32)
        self._dep = np.ascontiguousarray(graph.conn_dep, dtype=i32)
        self._arr = np.ascontiguousarray(graph.conn_arr, dtype=i32)
        self._trip = np.ascontiguousarray(graph.conn_trip, dtype=i32)
        self._flags = np.ascontiguousarray(graph.conn_flags, dtype=np.uint8)
        self._closures: dict[tuple[float, bool, bool], tuple[Closure, np.ndarray]] = {}
        self._trip_masks: dict[tuple[frozenset[int] | None, bool], np.ndarray] = {}
        self._stop_masks: dict[bool, np.ndarray] = {}

    # ---- public queries -------------------------------------------------------------------

    def plan(self, request: PlanRequest) -> PlanResult:
        """`latest_departure` when the request is arrive-by, else `earliest_arrival`."""
        return self.latest_departure(request) if request.arrive_by else self.earliest_arrival(request)

    def earliest_arrival(self, request: PlanRequest) -> PlanResult:
        return self._earliest(request, "earliest_arrival")

    def latest_departure(self, request: PlanRequest) -> PlanResult:
        """The latest departure that arrives by `request.at`, and its journey (an earliest
        arrival from that departure, so it arrives by the deadline)."""
        problem, origin, destination, opts = self._prepare(request, need_destination=True)
        if problem is not None:
            return PlanResult("latest_departure", request.to_dict(), [], problem)
        assert destination is not None
        deadline = self.graph.seconds_at(request.at)
        closure, _ = self._closure(opts)
        by_arrival, sorted_arr = self._by_arrival
        last = int(np.searchsorted(sorted_arr, np.int32(deadline), side="right")) - 1  # int32: no copy
        best = kernels.latest_scan(self._dep_stop, self._arr_stop, self._dep, self._arr, self._trip, self._flags,
                                   self._trip_mask(opts), self._stop_mask(opts.wheelchair),
                                   closure.rev_offsets, closure.frm, closure.rev_duration, by_arrival, last,
                                   destination.stops, (deadline - destination.seconds).astype(np.int32),
                                   origin.stops, origin.seconds, opts.slack, opts.max_trips, len(self.graph.trip_ids))
        departure = int(best[opts.max_trips])
        if departure <= -INF:
            return PlanResult("latest_departure", request.to_dict(), [],
                              self._why_not(request, origin, destination, opts, arrive_by=True))
        journey = self._journey_from(departure, origin, destination, opts)
        journeys = [journey] if journey is not None and journey.arrival_s <= deadline else []
        return PlanResult("latest_departure", request.to_dict(), journeys,
                          None if journeys else self._why_not(request, origin, destination, opts, arrive_by=True))

    def pareto(self, request: PlanRequest) -> PlanResult:
        """Every journey of the Pareto set of (arrival, transfers), fewest transfers first."""
        problem, origin, destination, opts = self._prepare(request, need_destination=True)
        if problem is not None:
            return PlanResult("pareto", request.to_dict(), [], problem)
        assert destination is not None
        start = self.graph.seconds_at(request.at)
        journeys, _ = self._pareto_at(start, origin, destination, opts)
        return PlanResult("pareto", request.to_dict(), journeys,
                          None if journeys else self._why_not(request, origin, destination, opts))

    def range_query(self, request: PlanRequest, window_s: int) -> PlanResult:
        """Every Pareto-optimal journey (later departure, earlier arrival, fewer transfers) that
        leaves the origin within `window_s` of `request.at`: one scan by trips from each distinct
        departure time of the origin's stops, latest first, each looking only for journeys that
        arrive earlier (with as many trips) than those leaving later."""
        problem, origin, destination, opts = self._prepare(request, need_destination=True)
        if problem is not None:
            return PlanResult("range", request.to_dict(), [], problem)
        assert destination is not None
        start = self.graph.seconds_at(request.at)
        kept: list[Journey] = []
        bound = np.full(opts.max_trips + 1, INF, dtype=np.int32)  # what later departures reach, by trips
        for departure in self._departure_times(origin, opts, start, start + int(window_s)):
            journeys, bound = self._pareto_at(departure, origin, destination, opts, bound,
                                              max_first_wait=start + int(window_s) - departure)
            walked = any(j.trips == 0 for j in kept)  # a walk is the same whenever it leaves: once
            kept += [j for j in journeys if j.trips > 0 or not walked]
        kept.sort(key=lambda j: (j.departure_s, j.arrival_s, j.transfers))
        reason = None
        if not kept:
            reason = self._why_not(request, origin, destination, opts, window_s=window_s)
        return PlanResult("range", request.to_dict(), kept, reason)

    def isochrone(self, request: PlanRequest, budget_s: int | None = None) -> IsochroneResult:
        """Every stop reached within the budget (no limit on transfers), with its arrival time."""
        budget = int(budget_s if budget_s is not None else self.settings.isochrone_budget_s)
        problem, origin, _, opts = self._prepare(request, need_destination=False)
        if problem is not None:
            return IsochroneResult(request.to_dict(), budget, [], problem)
        start = self.graph.seconds_at(request.at)
        arrival = self._one_to_all(origin, opts, start, budget)
        reached = np.flatnonzero(arrival <= start + budget)
        reached = reached[np.argsort(arrival[reached], kind="stable")]
        stops = [Reached(self.legs.stop(int(s)), self.legs.iso(int(arrival[s])), int(arrival[s]),
                         int(arrival[s]) - start) for s in reached]
        return IsochroneResult(request.to_dict(), budget, stops)

    def reachable(self, origin_stops: np.ndarray, at_s: int, budget_s: int, *, trip_ok: np.ndarray | None = None,
                  bike: bool = True, wheelchair: bool = False) -> np.ndarray:
        """Arrival seconds at every stop from origin stops at graph time `at_s`, INF beyond the
        budget (the planner's default walking and slack); `trip_ok` (uint8 per trip) narrows the
        trips usable, `bike` False leaves shared bikes out."""
        s = self.settings
        opts = Options(s.max_transfers + 1, s.max_walk_m, s.min_transfer_slack_s, None, bike and not wheelchair,
                       wheelchair)
        stops = np.asarray(origin_stops, np.int32)
        ends = Ends(stops, np.zeros(len(stops), np.int32), None, np.zeros(len(stops)))
        return self._one_to_all(ends, opts, int(at_s), int(budget_s), trip_ok)

    # ---- scans ----------------------------------------------------------------------------

    def _first(self, start: int) -> int:
        return int(np.searchsorted(self._dep, np.int32(start), side="left"))  # an int32 key: no int64 copy

    def _egress(self, destination: Ends | None) -> np.ndarray:
        egress = np.full(self.graph.stop_count, -1, dtype=np.int32)
        if destination is not None:
            for stop, seconds in zip(destination.stops, destination.seconds, strict=True):
                if egress[stop] < 0 or seconds < egress[stop]:
                    egress[stop] = seconds
        return egress

    def _scan(self, origin: Ends, destination: Ends | None, opts: Options, start: int, *, rounds: bool,
              horizon: int = INF, trip_ok: np.ndarray | None = None, bound: np.ndarray | None = None,
              max_first_wait: int = INF) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        closure, _ = self._closure(opts)
        args = (self._dep_stop, self._arr_stop, self._dep, self._arr, self._trip, self._flags,
                self._trip_mask(opts) if trip_ok is None else trip_ok, self._stop_mask(opts.wheelchair),
                closure.offsets, closure.to, closure.duration, self._first(start), horizon,
                origin.stops, (start + origin.seconds).astype(np.int32), self._egress(destination), opts.slack)
        if rounds:
            if bound is None:
                bound = np.full(opts.max_trips + 1, INF, dtype=np.int32)
            *labels, best = kernels.rounds_scan(*args, opts.max_trips, len(self.graph.trip_ids), bound,
                                                max_first_wait)
        else:
            *labels, best = kernels.earliest_scan(*args, len(self.graph.trip_ids))
        return tuple(labels), best

    def _one_to_all(self, origin: Ends, opts: Options, start: int, budget: int,
                    trip_ok: np.ndarray | None = None) -> np.ndarray:
        labels, _ = self._scan(origin, None, opts, start, rounds=False, horizon=start + budget, trip_ok=trip_ok)
        arrival = labels[0][0]
        return np.where(arrival <= start + budget, arrival, INF)

    def _target_stop(self, labels: tuple[np.ndarray, ...], destination: Ends, row: int, arrival: int) -> int:
        at_stops = labels[0][row][destination.stops] + destination.seconds
        return int(destination.stops[int(np.flatnonzero(at_stops == arrival)[0])])

    def _build(self, labels: tuple[np.ndarray, ...], destination: Ends, row: int, arrival: int,
               origin: Ends, opts: Options, start: int) -> Journey:
        """The journey of the label at the destination arriving at `arrival` with row `row`."""
        stop = self._target_stop(labels, destination, row, arrival)
        steps = trace(self.graph, labels, stop, row)
        first = steps[0] if steps else None
        origin_stop = int(self.graph.conn_dep_stop[first.board]) if isinstance(first, Ride) else (
            first.start if first is not None else stop)
        _, usable = self._closure(opts)
        return self.legs.journey(steps, start_s=start + self._access_s(origin, origin_stop), usable=usable,
                                 max_walk_m=opts.max_walk_m, access=origin.endpoint(origin_stop),
                                 egress=destination.endpoint(stop))

    def _access_s(self, origin: Ends, stop: int) -> int:
        hits = np.flatnonzero(origin.stops == stop)
        return int(origin.seconds[hits[0]]) if len(hits) else 0

    def _earliest(self, request: PlanRequest, query: str) -> PlanResult:
        problem, origin, destination, opts = self._prepare(request, need_destination=True)
        if problem is not None:
            return PlanResult(query, request.to_dict(), [], problem)
        assert destination is not None
        journey = self._journey_from(self.graph.seconds_at(request.at), origin, destination, opts)
        if journey is None:
            return PlanResult(query, request.to_dict(), [], self._why_not(request, origin, destination, opts))
        return PlanResult(query, request.to_dict(), [journey])

    def _journey_from(self, start: int, origin: Ends, destination: Ends, opts: Options) -> Journey | None:
        """Earliest arrival from `start`: the unlimited scan first; by trips only when its journey
        has more trips than allowed."""
        labels, best = self._scan(origin, destination, opts, start, rounds=False)
        arrival = int(best[0])
        if arrival >= INF:
            return None
        journey = self._build(labels, destination, 0, arrival, origin, opts, start)
        if journey.transfers + 1 <= opts.max_trips or not journey.legs:
            return journey
        labels, best = self._scan(origin, destination, opts, start, rounds=True)
        arrival = int(best[opts.max_trips])
        if arrival >= INF:
            return None
        row = int(np.flatnonzero(best == arrival)[0])
        return self._build(labels, destination, row, arrival, origin, opts, start)

    def _pareto_at(self, start: int, origin: Ends, destination: Ends, opts: Options,
                   bound: np.ndarray | None = None, max_first_wait: int = INF) -> tuple[list[Journey], np.ndarray]:
        """The Pareto set from `start` of the journeys better than `bound` (arrivals known by
        number of trips) that wait at most `max_first_wait` for their first vehicle, and the new
        bound."""
        labels, best = self._scan(origin, destination, opts, start, rounds=True, bound=bound,
                                  max_first_wait=max_first_wait)
        journeys: list[Journey] = []
        previous = INF
        for row in range(opts.max_trips + 1):
            arrival = int(best[row])
            if arrival < previous and (bound is None or arrival < bound[row]):
                journeys.append(self._build(labels, destination, row, arrival, origin, opts, start))
            previous = min(previous, arrival)
        return journeys, best

    def _departure_times(self, origin: Ends, opts: Options, first: int, last: int) -> list[int]:
        """Distinct times to leave the origin place, in [first, last], for a boarding at one of
        its stops or a stop within walking distance; latest first."""
        closure, _ = self._closure(opts)
        offsets, conns = self._by_stop
        trip_ok = self._trip_mask(opts)
        times: set[int] = set()
        for stop, access in zip(origin.stops, origin.seconds, strict=True):
            ends = [(int(stop), 0)] + [(int(closure.to[e]), int(closure.duration[e]))
                                      for e in range(closure.offsets[stop], closure.offsets[stop + 1])]
            for s, walk in ends:
                here = conns[offsets[s]:offsets[s + 1]]
                deps = self._dep[here]
                lead = int(access) + walk
                lo = np.searchsorted(deps, np.int32(first + lead), side="left")
                hi = np.searchsorted(deps, np.int32(last + lead), side="right")
                chosen = here[lo:hi]
                chosen = chosen[((self._flags[chosen] & kernels.BOARD) > 0) & (trip_ok[self._trip[chosen]] > 0)]
                times.update((self._dep[chosen] - lead).tolist())
        times.add(last)  # walking only: leave at the end of the window
        return sorted(times, reverse=True)

    # ---- cached structures ----------------------------------------------------------------

    @cached_property
    def _by_arrival(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.lexsort((self._dep, self._arr)).astype(np.int32)
        return order, self._arr[order]

    @cached_property
    def _by_stop(self) -> tuple[np.ndarray, np.ndarray]:
        """Connections by departure stop, in departure order: (offsets by stop, connections)."""
        order = np.argsort(self._dep_stop, kind="stable").astype(np.int32)  # connections are by departure
        offsets = np.zeros(self.graph.stop_count + 1, dtype=np.int64)
        np.cumsum(np.bincount(self._dep_stop, minlength=self.graph.stop_count), out=offsets[1:])
        return offsets, order

    @cached_property
    def finder(self) -> StopFinder:
        return self._finder or StopFinder(self.graph)

    @cached_property
    def _linked(self) -> np.ndarray:
        """Stops where a trip can be boarded or left."""
        n = self.graph.stop_count
        linked = np.zeros(n, dtype=bool)
        linked[self._dep_stop[(self._flags & kernels.BOARD) > 0]] = True
        linked[self._arr_stop[(self._flags & kernels.ALIGHT) > 0]] = True
        return linked

    @cached_property
    def _trips_per_day(self) -> np.ndarray:
        """Trip instances per service day of the window (day 0, the day before, only carries
        trips past midnight into day 1, so it is not a day one can plan on)."""
        days = self.graph.trip_day.astype(np.int64)
        counts = np.bincount(days[days >= 0], minlength=self.graph.days)
        counts[0] = 0
        return counts

    def _closure(self, opts: Options) -> tuple[Closure, np.ndarray]:
        key = (opts.max_walk_m, opts.wheelchair, opts.bike)
        if key not in self._closures:
            usable = usable_footpaths(self.graph, wheelchair=opts.wheelchair, bike=opts.bike,
                                      unknown_ok=self.settings.wheelchair_unknown == "accessible")
            self._closures[key] = (walking_closure(self.graph, usable, opts.max_walk_m), usable)
        return self._closures[key]

    def _accessible(self, values: np.ndarray) -> np.ndarray:
        unknown_ok = self.settings.wheelchair_unknown == "accessible"
        return (values == ACCESSIBLE) | ((values == UNKNOWN) & unknown_ok)

    def _trip_mask(self, opts: Options) -> np.ndarray:
        key = (opts.modes, opts.wheelchair)
        if key not in self._trip_masks:
            g = self.graph
            ok = np.ones(len(g.trip_ids), dtype=bool)
            if opts.modes is not None:
                route_ok = np.isin(g.route_mode.astype(np.int64), np.fromiter(opts.modes, dtype=np.int64))
                ok &= route_ok[g.trip_route] if len(route_ok) else ok
            if opts.wheelchair:
                ok &= self._accessible(g.trip_wheelchair)
            self._trip_masks[key] = ok.astype(np.uint8)
        return self._trip_masks[key]

    def _stop_mask(self, wheelchair: bool) -> np.ndarray:
        if wheelchair not in self._stop_masks:
            ok = self._accessible(self.graph.stop_wheelchair) if wheelchair else np.ones(self.graph.stop_count, bool)
            self._stop_masks[wheelchair] = ok.astype(np.uint8)
        return self._stop_masks[wheelchair]

    # ---- requests -------------------------------------------------------------------------

    def _prepare(self, request: PlanRequest, *, need_destination: bool
                 ) -> tuple[Reason | None, Ends, Ends | None, Options]:
        opts = request_options(request, self.settings)
        empty = Ends(np.zeros(0, np.int32), np.zeros(0, np.int32), None, np.zeros(0))
        origin, problem = resolve_place(self.graph, self.finder, self.settings, request.origin, opts, "origin")
        if problem is not None or origin is None:
            return problem, empty, None, opts
        destination = None
        if need_destination:
            if request.destination is None:
                return Reason(UNKNOWN_STOP, "no destination given"), origin, None, opts
            destination, problem = resolve_place(self.graph, self.finder, self.settings, request.destination, opts,
                                                   "destination")
            if problem is not None:
                return problem, origin, None, opts
        local = request.at.astimezone(ZoneInfo(self.graph.timezone)) if request.at.tzinfo else request.at
        day = (local.date() - self.graph.first_day).days
        if not 0 <= day < len(self._trips_per_day) or self._trips_per_day[day] == 0:
            when = request.at.date().isoformat()
            first = self.graph.first_day + timedelta(days=1)
            last = self.graph.first_day + timedelta(days=self.graph.days - 1)
            return (Reason(NO_SERVICE_ON_DATE, f"no service on {when}: the planner knows {first.isoformat()} "
                                               f"to {last.isoformat()}"), origin, destination, opts)
        for ends, role in ((origin, "origin"), (destination, "destination")):
            if ends is not None and not self._is_linked(ends, opts, inbound=role == "destination"):
                return (Reason(NOT_LINKED, f"the {role} is not linked to the network: no departure or arrival "
                                           f"there and none within {opts.max_walk_m:.0f} m walking"),
                        origin, destination, opts)
        return None, origin, destination, opts

    def _is_linked(self, ends: Ends, opts: Options, *, inbound: bool) -> bool:
        """Whether a trip can be boarded or left at one of the stops or a walk from (to, when
        `inbound`) one of them, whatever the accessibility (that is the `accessibility` reason)."""
        closure, _ = self._closure(Options(opts.max_trips, opts.max_walk_m, opts.slack, None, True, False))
        offsets, near = (closure.rev_offsets, closure.frm) if inbound else (closure.offsets, closure.to)
        return any(self._linked[stop] or self._linked[near[offsets[stop]:offsets[stop + 1]]].any()
                   for stop in ends.stops)

    def _why_not(self, request: PlanRequest, origin: Ends, destination: Ends, opts: Options, *,
                 arrive_by: bool = False, window_s: int | None = None) -> Reason:
        if opts.wheelchair:
            relaxed = Options(opts.max_trips, opts.max_walk_m, opts.slack, opts.modes, opts.bike, False)
            _, o2, d2, _ = self._prepare(PlanRequest(request.origin, request.destination, request.at,
                                                     max_walk_m=opts.max_walk_m), need_destination=True)
            if d2 is not None and self._exists(request, o2, d2, relaxed, arrive_by, window_s):
                return Reason(ACCESSIBILITY, "no wheelchair-accessible journey: there is one without that constraint")
        when = request.at.strftime("%Y-%m-%d %H:%M")
        if arrive_by:
            return Reason(NOTHING_IN_WINDOW, f"no journey arrives by {when} on the service days of the planner")
        if window_s is not None:
            return Reason(NOTHING_IN_WINDOW, f"no journey departs between {when} and "
                                             f"{(request.at + timedelta(seconds=window_s)).strftime('%H:%M')}")
        return Reason(NOTHING_IN_WINDOW, f"no journey from {when} on the service days of the planner")

    def _exists(self, request: PlanRequest, origin: Ends, destination: Ends, opts: Options, arrive_by: bool,
                window_s: int | None) -> bool:
        start = self.graph.seconds_at(request.at)
        if arrive_by:
            start -= 86400
        _, best = self._scan(origin, destination, opts, start, rounds=True)
        arrival = int(best[opts.max_trips])
        if arrive_by:
            return arrival <= start + 86400
        if window_s is not None:
            return arrival < INF and bool(self._departure_times(origin, opts, start, start + window_s))
        return arrival < INF
