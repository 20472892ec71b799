"""The planner's options and answers on a small hand-made network: wheelchair-only journeys,
modes, maximum transfers, transfer slack, pickup/drop-off restrictions, places by coordinates,
arrive-by, range and isochrone queries, and every "why not" reason."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from regie.config.region import PlannerSettings
from regie.gtfs.geo import haversine_m
from regie.journeys.graph import ACCESS, BIKE_RIDE, NOT_ACCESSIBLE, UNKNOWN
from regie.journeys.plan import Coordinates, PlanError, Planner, PlanRequest
from tests.journeys.plan_graphs import Trip, graph_from_trips, network

MIDNIGHT = datetime(2024, 1, 2)


def at(seconds: int) -> datetime:
    return MIDNIGHT + timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def planner() -> Planner:
    trips = [
        Trip([0, 3], [100, 400], route=0, wheelchair=NOT_ACCESSIBLE),  # fast bus, not accessible
        Trip([0, 3], [200, 700], route=1),  # slow train
        Trip([0, 4], [100, 300]),  # two trips to 5 ...
        Trip([4, 5], [400, 500]),
        Trip([0, 5], [150, 900], route=1),  # ... or one, later
        Trip([1, 6, 7], [100, 200, 300], no_pickup=(1,)),
        Trip([7, 6, 1], [400, 500, 600], no_drop_off=(1,)),
        Trip([2, 3], [100, 200]),  # from a stop without step-free access
    ]
    wheelchair = [1, 1, NOT_ACCESSIBLE, 1, 1, 1, 1, 1, 1]
    graph = graph_from_trips(9, trips, route_modes=[3, 2], stop_wheelchair=wheelchair)
    return Planner(graph)


def arrival(result) -> int | None:
    return result.journeys[0].arrival_s - 86400 if result.journeys else None


def test_wheelchair_and_modes_choose_the_trips(planner):
    assert arrival(planner.earliest_arrival(PlanRequest(0, 3, at(0)))) == 400
    assert arrival(planner.earliest_arrival(PlanRequest(0, 3, at(0), wheelchair=True))) == 700
    assert arrival(planner.earliest_arrival(PlanRequest(0, 3, at(0), modes=["rail"]))) == 700
    assert arrival(planner.earliest_arrival(PlanRequest(0, 3, at(0), modes=[3]))) == 400
    with pytest.raises(PlanError, match="unknown mode"):
        planner.earliest_arrival(PlanRequest(0, 3, at(0), modes=["hovercraft"]))


def test_max_transfers_slack_and_pareto(planner):
    assert arrival(planner.earliest_arrival(PlanRequest(0, 5, at(0), min_transfer_slack_s=60))) == 500
    assert arrival(planner.earliest_arrival(PlanRequest(0, 5, at(0), max_transfers=0))) == 900
    assert arrival(planner.earliest_arrival(PlanRequest(0, 5, at(0), min_transfer_slack_s=150))) == 900
    pareto = planner.pareto(PlanRequest(0, 5, at(0), min_transfer_slack_s=60))
    assert [(j.transfers, j.arrival_s - 86400) for j in pareto.journeys] == [(0, 900), (1, 500)]
    legs = pareto.journeys[1].legs
    assert [leg.kind for leg in legs] == ["transit", "transit"]
    assert legs[0].destination.stop_id == legs[1].origin.stop_id == "t:S4"
    assert legs[0].departure == "2024-01-02T00:01:40+01:00" and legs[1].arrival == "2024-01-02T00:08:20+01:00"


def test_no_boarding_or_alighting_where_pickup_or_drop_off_is_1(planner):
    assert arrival(planner.earliest_arrival(PlanRequest(1, 7, at(0)))) == 300  # staying on through 6
    assert arrival(planner.earliest_arrival(PlanRequest(7, 1, at(0)))) == 600
    assert arrival(planner.earliest_arrival(PlanRequest(1, 6, at(0)))) == 200
    assert planner.earliest_arrival(PlanRequest(6, 7, at(0))).reason.code == "nothing_in_window"  # no pickup at 6
    assert planner.earliest_arrival(PlanRequest(7, 6, at(0))).reason.code == "nothing_in_window"  # no drop-off


@pytest.mark.parametrize(("origin", "destination", "when", "options", "code"), [
    (99, 3, at(0), {}, "unknown_stop"),
    (0, -1, at(0), {}, "unknown_stop"),
    (0, 3, datetime(2025, 1, 2, 8), {}, "no_service_on_date"),
    (8, 3, at(0), {}, "not_linked"),
    (0, 8, at(0), {}, "not_linked"),
    (Coordinates(10.0, 10.0), 3, at(0), {}, "not_linked"),
    (0, 3, at(20 * 3600), {}, "nothing_in_window"),
    (2, 3, at(0), {"wheelchair": True}, "accessibility"),
])
def test_why_not(planner, origin, destination, when, options, code):
    result = planner.earliest_arrival(PlanRequest(origin, destination, when, **options))
    assert not result.journeys and result.reason.code == code and result.reason.message
    assert result.to_dict()["reason"]["code"] == code


def test_places_by_coordinates_walk_to_and_from_the_stops(planner):
    g = planner.graph
    place = Coordinates(float(g.stop_lat[0]) + 0.001, float(g.stop_lon[0]))  # ~111 m north of stop 0
    result = planner.earliest_arrival(PlanRequest(place, 3, at(0)))
    first = result.journeys[0].legs[0]
    assert first.kind == "walk" and first.origin.index is None and first.destination.index == 0
    assert 100 < first.distance_m < 200 and first.arrival_s == result.journeys[0].legs[1].departure_s
    assert result.to_dict()["journeys"][0]["legs"][0]["geometry"]["type"] == "LineString"


def test_arrive_by_gives_the_latest_departure(planner):
    late = planner.latest_departure(PlanRequest(0, 5, at(950), arrive_by=True, min_transfer_slack_s=60))
    assert late.journeys[0].departure_s - 86400 == 150 and late.journeys[0].arrival_s - 86400 == 900
    early = planner.latest_departure(PlanRequest(0, 5, at(600), arrive_by=True, min_transfer_slack_s=60))
    assert early.journeys[0].departure_s - 86400 == 100 and early.journeys[0].arrival_s - 86400 == 500
    none = planner.latest_departure(PlanRequest(0, 5, at(450), arrive_by=True))
    assert not none.journeys and none.reason.code == "nothing_in_window"


def test_range_query_and_isochrone(planner):
    result = planner.range_query(PlanRequest(0, 5, at(0), min_transfer_slack_s=60), 1000)
    assert [(j.departure_s - 86400, j.arrival_s - 86400, j.transfers) for j in result.journeys] == [
        (100, 500, 1), (150, 900, 0)]
    assert planner.range_query(PlanRequest(0, 5, at(160)), 600).reason.code == "nothing_in_window"
    iso = planner.isochrone(PlanRequest(0, None, at(0)), 600)
    reached = {r.stop.index: r.travel_s for r in iso.stops}
    assert reached == {0: 0, 4: 300, 3: 400, 5: 500}
    features = iso.to_dict()["geojson"]["features"]
    assert len(features) == 4 and features[0]["geometry"]["type"] == "Point"


def test_arrive_by_is_consistent_with_earliest_arrival_on_hart(feeds_dir):
    graph = network("hart")
    planner = Planner(graph)
    rng = np.random.default_rng(5)
    served = np.unique(graph.conn_dep_stop)
    checked = 0
    for _ in range(40):
        origin, destination = (int(s) for s in rng.choice(served, size=2, replace=False))
        deadline = datetime(2021, 1, 13, 9) + timedelta(seconds=int(rng.integers(0, 8 * 3600)))
        late = planner.latest_departure(PlanRequest(origin, destination, deadline, arrive_by=True))
        if not late.journeys:
            continue
        checked += 1
        journey = late.journeys[0]
        assert journey.arrival_s <= graph.seconds_at(deadline)
        leave = graph.local_time(journey.departure_s).replace(tzinfo=None)
        again = planner.earliest_arrival(PlanRequest(origin, destination, leave))
        assert again.journeys[0].arrival_s <= graph.seconds_at(deadline)
        later = planner.earliest_arrival(PlanRequest(origin, destination, leave + timedelta(seconds=1)))
        assert not later.journeys or later.journeys[0].arrival_s > graph.seconds_at(deadline)
    assert checked >= 10


def test_range_journeys_are_pareto_optimal_on_hart(feeds_dir):
    graph = network("hart")
    planner = Planner(graph)
    rng = np.random.default_rng(6)
    served = np.unique(graph.conn_dep_stop)
    for _ in range(10):
        origin, destination = (int(s) for s in rng.choice(served, size=2, replace=False))
        start = datetime(2021, 1, 13, 7) + timedelta(seconds=int(rng.integers(0, 6 * 3600)))
        journeys = planner.range_query(PlanRequest(origin, destination, start), 7200).journeys
        for minutes in range(0, 121, 15):  # complete: what leaves later in the window is matched or beaten
            for other in planner.pareto(PlanRequest(origin, destination, start + timedelta(minutes=minutes))).journeys:
                if other.departure_s <= graph.seconds_at(start) + 7200:
                    assert any(j.departure_s >= other.departure_s and j.arrival_s <= other.arrival_s
                               and j.trips <= other.trips for j in journeys)
        for j in journeys:
            assert graph.seconds_at(start) <= j.departure_s <= graph.seconds_at(start) + 7200
            leave = graph.local_time(j.departure_s).replace(tzinfo=None)
            best = planner.pareto(PlanRequest(origin, destination, leave)).journeys
            assert any(b.arrival_s <= j.arrival_s and b.trips <= j.trips for b in best)  # (better ones may
            # leave after the window: tests/journeys/test_bruteforce_plan checks range queries exactly)
            assert not any(o is not j and o.departure_s >= j.departure_s and o.arrival_s <= j.arrival_s
                           and o.trips <= j.trips for o in journeys)


def test_isochrone_equals_earliest_arrivals_on_hart(feeds_dir):
    graph = network("hart")
    planner = Planner(graph)
    origin = int(graph.conn_dep_stop[len(graph.conn_dep) // 3])
    start = datetime(2021, 1, 13, 8)
    iso = planner.isochrone(PlanRequest(origin, None, start), 3600)
    assert len(iso.stops) > 20
    for reached in iso.stops[::7]:
        ea = planner.earliest_arrival(PlanRequest(origin, reached.stop.index, start, max_transfers=15))
        assert ea.journeys[0].arrival_s == reached.arrival_s


def test_shared_bikes_between_two_walks():
    """Stop 0 -200 m- bike station 1 -ride- bike station 2 -200 m- stop 3: each walk within 400 m;
    the train 0 → 3 is slower. Wheelchair-only or bus-only requests leave the bike out."""
    footpaths = [(0, 1, 170, 200.0), (1, 2, 600, 3000.0), (2, 3, 170, 200.0)]
    graph = graph_from_trips(4, [Trip([0, 3], [300, 2000], route=0)], footpaths, route_modes=[2],
                             foot_kinds=[ACCESS, BIKE_RIDE, ACCESS])
    planner = Planner(graph)
    journey = planner.earliest_arrival(PlanRequest(0, 3, at(0), max_walk_m=400)).journeys[0]
    assert [(leg.kind, leg.mode) for leg in journey.legs] == [("walk", "walk"), ("bike", "bike_share"), ("walk", "walk")]
    assert journey.arrival_s - 86400 == 940 and journey.legs[1].distance_m == 3000.0
    assert arrival(planner.earliest_arrival(PlanRequest(0, 3, at(0), max_walk_m=150))) == 2000  # walks too long
    assert arrival(planner.earliest_arrival(PlanRequest(0, 3, at(0), wheelchair=True))) == 2000
    assert arrival(planner.earliest_arrival(PlanRequest(0, 3, at(0), modes=["rail"]))) == 2000
    assert arrival(planner.earliest_arrival(PlanRequest(0, 3, at(0), modes=["rail", "bike_share"]))) == 940


def test_unknown_accessibility_follows_the_setting():
    """Trip 0 → 1 of unknown accessibility; the footpath 1 → 2 not accessible, 1 → 3 unknown."""
    graph = graph_from_trips(4, [Trip([0, 1], [100, 200], wheelchair=UNKNOWN)],
                             [(1, 2, 60, 50.0), (1, 3, 60, 50.0)], foot_wheelchair=[NOT_ACCESSIBLE, UNKNOWN])
    strict, lenient = Planner(graph), Planner(graph, PlannerSettings(wheelchair_unknown="accessible"))
    assert strict.earliest_arrival(PlanRequest(0, 1, at(0), wheelchair=True)).reason.code == "accessibility"
    assert arrival(lenient.earliest_arrival(PlanRequest(0, 1, at(0), wheelchair=True))) == 200
    assert arrival(lenient.earliest_arrival(PlanRequest(0, 3, at(0), wheelchair=True))) == 260
    assert lenient.earliest_arrival(PlanRequest(0, 2, at(0), wheelchair=True)).reason.code == "accessibility"
    assert arrival(lenient.earliest_arrival(PlanRequest(0, 2, at(0)))) == 260


def test_transit_legs_follow_the_shape_between_their_stops(feeds_dir):
    graph = network("hart")
    planner = Planner(graph)
    rng = np.random.default_rng(8)
    served = np.unique(graph.conn_dep_stop)
    legs = []
    while len(legs) < 10:
        origin, destination = (int(s) for s in rng.choice(served, size=2, replace=False))
        result = planner.earliest_arrival(PlanRequest(origin, destination, datetime(2021, 1, 13, 9)))
        legs += [leg for j in result.journeys for leg in j.legs if leg.kind == "transit"]
    for leg in legs:
        line = np.asarray(leg.to_dict()["geometry"]["coordinates"])
        assert len(line) > len(leg.intermediate_stops) + 2  # the shape's points, not only the stops
        assert np.allclose(line[0], [leg.origin.lon, leg.origin.lat], atol=1e-6)
        assert np.allclose(line[-1], [leg.destination.lon, leg.destination.lat], atol=1e-6)
        along = haversine_m(line[:-1, 1], line[:-1, 0], line[1:, 1], line[1:, 0])
        assert along.max() < 3000  # no jump back to the shape's start or on to its end
        assert abs(along.sum() - leg.distance_m) < 1.0
        crow = float(haversine_m(leg.origin.lat, leg.origin.lon, leg.destination.lat, leg.destination.lon))
        assert crow * 0.95 <= leg.distance_m <= crow * 4 + 500
