"""The planner against a plain time-dependent Dijkstra (tests/journeys/plan_graphs.brute_force)
over the same connections and footpaths: 200 random queries per network (HART and the Bay Area
set under the reference model) give identical earliest arrivals and identical Pareto sets of
(arrival, trips); random synthetic graphs with chains of footpaths (walks of several hops), a
transfer slack and pickup/drop-off restrictions too."""

from __future__ import annotations

import numpy as np
import pytest

from regie.journeys.graph import JourneyGraph
from regie.journeys.plan import Planner, PlanRequest
from tests.journeys.plan_graphs import (
    BruteForce,
    Trip,
    assert_journey_consistent,
    brute_force,
    graph_from_trips,
    network,
)

QUERIES = 200
HORIZON_S = 3 * 3600


def random_queries(graph: JourneyGraph, count: int, seed: int) -> list[tuple[int, int, int]]:
    """(origin, destination, departure) among stops with departures, in the day's service hours."""
    rng = np.random.default_rng(seed)
    served = np.unique(graph.conn_dep_stop)
    lo, hi = int(np.percentile(graph.conn_dep, 5)), int(np.percentile(graph.conn_dep, 80))
    return [(int(rng.choice(served)), int(rng.choice(served)), int(rng.integers(lo, hi))) for _ in range(count)]


def request(graph: JourneyGraph, origin: int, destination: int, start: int, **options) -> PlanRequest:
    return PlanRequest(origin, destination, graph.local_time(start).replace(tzinfo=None), max_walk_m=1e6, **options)


def planner_pareto(planner: Planner, graph: JourneyGraph, origin: int, destination: int, start: int,
                   horizon: int, **options) -> dict[int, int]:
    result = planner.pareto(request(graph, origin, destination, start, **options))
    for journey in result.journeys:
        assert_journey_consistent(graph, journey, slack=options.get("min_transfer_slack_s", 0))
    return {j.trips: j.arrival_s for j in result.journeys if j.arrival_s <= horizon}


@pytest.mark.parametrize("name", ["hart", "bayarea3"])
def test_earliest_arrival_equals_brute_force(feeds_dir, name):
    graph = network(name)
    planner, brute = Planner(graph), BruteForce(graph)
    mismatches = []
    for origin, destination, start in random_queries(graph, QUERIES, seed=11):
        expected = brute.run([origin], start, {destination}, horizon=start + HORIZON_S)
        result = planner.earliest_arrival(request(graph, origin, destination, start, max_transfers=30,
                                                  min_transfer_slack_s=0))
        got = result.journeys[0].arrival_s if result.journeys else None
        if result.journeys:
            assert_journey_consistent(graph, result.journeys[0])
        want = min(expected.values()) if expected else None
        if want != got and not (want is None and got is not None and got > start + HORIZON_S):
            mismatches.append((origin, destination, start, want, got))
    assert not mismatches, mismatches[:5]


@pytest.mark.parametrize("name", ["hart", "bayarea3"])
def test_pareto_sets_equal_brute_force(feeds_dir, name):
    graph = network(name)
    planner, brute = Planner(graph), BruteForce(graph)
    mismatches = []
    found = 0
    for origin, destination, start in random_queries(graph, QUERIES, seed=12):
        horizon = start + HORIZON_S
        expected = brute.run([origin], start, {destination}, max_trips=5, horizon=horizon, pareto=True,
                               slack=60)
        got = planner_pareto(planner, graph, origin, destination, start, horizon, max_transfers=4,
                             min_transfer_slack_s=60)
        found += len(got)
        if expected != got:
            mismatches.append((origin, destination, start, expected, got))
    assert not mismatches, mismatches[:5]
    assert found > QUERIES // 2


def random_graph(seed: int) -> JourneyGraph:
    """30 stops, 12 lines with several trips each (some stops without pickup or drop-off), and
    footpaths between neighbouring stops (chains: walks of several hops)."""
    rng = np.random.default_rng(seed)
    n = 30
    trips = []
    for line in range(12):
        stops = [int(s) for s in rng.choice(n, size=int(rng.integers(3, 8)), replace=False)]
        hops = rng.integers(60, 600, size=len(stops) - 1)
        for start in range(int(rng.integers(0, 1800)), 4 * 3600, int(rng.integers(900, 2400))):
            times = [start, *(start + np.cumsum(hops)).tolist()]
            no_pickup = tuple(int(i) for i in np.flatnonzero(rng.random(len(stops)) < 0.1))
            no_drop_off = tuple(int(i) for i in np.flatnonzero(rng.random(len(stops)) < 0.1))
            trips.append(Trip(stops, [int(t) for t in times], route=line % 3, no_pickup=no_pickup,
                              no_drop_off=no_drop_off))
    footpaths = []
    for a in range(n):
        for b in rng.choice(n, size=2, replace=False):
            if a != b:
                footpaths.append((a, int(b), int(rng.integers(60, 900)), float(rng.integers(50, 400))))
    return graph_from_trips(n, trips, footpaths, route_modes=[3, 2, 0])


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_with_slack_and_walks_equal_brute_force(seed):
    graph = random_graph(seed)
    planner = Planner(graph)
    rng = np.random.default_rng(100 + seed)
    for _ in range(40):
        origin, destination = (int(x) for x in rng.choice(graph.stop_count, size=2, replace=False))
        start = 86400 + int(rng.integers(0, 3 * 3600))
        slack = int(rng.choice([0, 30, 120]))
        horizon = start + 86400
        expected = brute_force(graph, [origin], start, {destination}, slack=slack, max_trips=4, pareto=True,
                               horizon=horizon)
        got = planner_pareto(planner, graph, origin, destination, start, horizon, max_transfers=3,
                             min_transfer_slack_s=slack)
        assert got == expected, (seed, origin, destination, start, slack)
        earliest = planner.earliest_arrival(request(graph, origin, destination, start, max_transfers=3,
                                                    min_transfer_slack_s=slack))
        assert (earliest.journeys[0].arrival_s if earliest.journeys else None) == (
            min(expected.values()) if expected else None)


@pytest.mark.parametrize("seed", range(4))
def test_latest_departures_on_random_graphs_agree_with_brute_force(seed):
    """The latest departure for a deadline: the brute force arrives by the deadline leaving then,
    and not leaving a second later (same trips limit, slack and walks)."""
    graph = random_graph(seed)
    planner, brute = Planner(graph), BruteForce(graph)
    rng = np.random.default_rng(200 + seed)
    found = 0
    for _ in range(40):
        origin, destination = (int(x) for x in rng.choice(graph.stop_count, size=2, replace=False))
        deadline = 86400 + int(rng.integers(1800, 4 * 3600))
        slack = int(rng.choice([0, 60]))
        result = planner.latest_departure(request(graph, origin, destination, deadline, arrive_by=True,
                                                  max_transfers=2, min_transfer_slack_s=slack))
        options = {"slack": slack, "max_trips": 3}
        if not result.journeys:
            assert not brute.run([origin], deadline - 6 * 3600, {destination}, horizon=deadline, **options)
            continue
        found += 1
        leave = result.journeys[0].departure_s
        assert result.journeys[0].arrival_s <= deadline
        assert min(brute.run([origin], leave, {destination}, **options).values()) <= deadline
        assert not brute.run([origin], leave + 1, {destination}, horizon=deadline, **options)
    assert found > 10


@pytest.mark.parametrize("seed", range(4))
def test_range_queries_on_random_graphs_agree_with_brute_force(seed):
    """Every journey of a range query is a latest departure for its arrival and trips (brute
    force), and whatever the brute force reaches leaving in the window is matched or beaten."""
    graph = random_graph(seed)
    planner, brute = Planner(graph), BruteForce(graph)
    rng = np.random.default_rng(300 + seed)
    window = 3600
    for _ in range(12):
        origin, destination = (int(x) for x in rng.choice(graph.stop_count, size=2, replace=False))
        start = 86400 + int(rng.integers(0, 2 * 3600))
        end = start + window
        journeys = planner.range_query(request(graph, origin, destination, start, max_transfers=2,
                                               min_transfer_slack_s=60), window).journeys

        def reach(leave: int, trips: int, origin: int = origin, destination: int = destination, end: int = end
                  ) -> int | None:
            found = brute.run([origin], leave, {destination}, max_first_wait=end - leave, slack=60, max_trips=trips)
            return min(found.values()) if found else None

        assert sum(j.trips == 0 for j in journeys) <= 1  # walking only: once
        for j in journeys:
            assert start <= j.departure_s <= end
            assert reach(j.departure_s, j.trips) == j.arrival_s
            if j.trips == 0:
                continue
            later = reach(j.departure_s + 1, j.trips) if j.departure_s < end else None
            assert later is None or later > j.arrival_s
        for leave in range(start, end + 1, 300):  # walking only leaves whenever: not a departure to match
            found = brute.run([origin], leave, {destination}, max_first_wait=end - leave, slack=60, max_trips=3,
                              pareto=True)
            for trips, arrival in found.items():
                assert trips == 0 or any(j.departure_s >= leave and j.arrival_s <= arrival and j.trips <= trips
                                         for j in journeys), (origin, destination, leave, trips, arrival)
