"""build_graph on small hand-built feeds: trip instances over the window and the days before,
frequencies, interpolation, pickup/drop-off flags, calendars, stops and their accessibility."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from regie.config.region import PlannerSettings
from regie.journeys.build import build_graph
from regie.journeys.graph import ALIGHTING_ALLOWED, BOARDING_ALLOWED, JourneyGraph
from tests.journeys.graph_feeds import BASE, write_feed

WEDNESDAY = date(2024, 3, 6)
H = 3600


def build(tmp_path: Path, tables: dict[str, str] = BASE, day: date = WEDNESDAY, days: int = 1,
          **settings: object) -> JourneyGraph:
    feed = write_feed(tmp_path / "feed", tables)
    return build_graph(feed, first_service_day=day, days=days, timezone="Europe/Paris",
                       settings=PlannerSettings(**settings))


def hops(graph: JourneyGraph, trip_id: str) -> list[tuple[int, str, str, int, int, int]]:
    """(trip day, from, to, dep, arr, flags) of the trip's connections, by day then time."""
    rows = np.flatnonzero(graph.trip_ids[graph.conn_trip] == trip_id)
    found = [(int(graph.trip_day[graph.conn_trip[r]]), graph.stop_ids[graph.conn_dep_stop[r]],
              graph.stop_ids[graph.conn_arr_stop[r]], int(graph.conn_dep[r]), int(graph.conn_arr[r]),
              int(graph.conn_flags[r])) for r in rows]
    return sorted(found, key=lambda hop: (hop[3], hop[0]))


BOTH = BOARDING_ALLOWED | ALIGHTING_ALLOWED
DAY1 = 86_400  # Wednesday's times start there (no clock change that week)


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> JourneyGraph:
    return build(tmp_path_factory.mktemp("base"))


def test_untimed_stops_are_interpolated_by_shape_distance_or_by_position(graph, tmp_path):
    # A 08:00 (0) - B untimed (3) - C 08:20 (4): 3/4 of the way by distance, 1/2 by position
    assert hops(graph, "op:t1") == [(1, "op:A", "op:B", DAY1 + 8 * H, DAY1 + 8 * H + 900, BOTH),
                                    (1, "op:B", "op:C", DAY1 + 8 * H + 900, DAY1 + 8 * H + 1200, BOTH),
                                    (1, "op:C", "op:D", DAY1 + 8 * H + 1200, DAY1 + 8 * H + 1800, BOTH)]
    by_position = build(tmp_path, interpolation="position")
    assert [h[3:5] for h in hops(by_position, "op:t1")][:2] == [(DAY1 + 8 * H, DAY1 + 8 * H + 600),
                                                                (DAY1 + 8 * H + 600, DAY1 + 8 * H + 1200)]


def test_pickup_and_drop_off_type_1_clear_boarding_and_alighting(graph):
    # B has pickup_type 1 and drop_off_type 1: nobody gets off on arrival there, nobody boards there
    assert [h[5] for h in hops(graph, "op:t2")] == [BOARDING_ALLOWED, ALIGHTING_ALLOWED]


def test_frequencies_with_and_without_exact_times_are_expanded(graph):
    headway = hops(graph, "op:tf0")  # 06:00-07:00 every 20 min, exact_times 0; template lasts 5 min
    assert [(h[3] - DAY1, h[4] - h[3]) for h in headway] == [(6 * H, 300), (6 * H + 1200, 300), (6 * H + 2400, 300)]
    exact = hops(graph, "op:tf1")  # 07:00-07:30 every 10 min, exact_times 1; template lasts 7 min
    assert [(h[3] - DAY1, h[4] - h[3]) for h in exact] == [(7 * H, 420), (7 * H + 600, 420), (7 * H + 1200, 420)]
    runs = graph.conn_trip[np.isin(graph.trip_ids[graph.conn_trip], ["op:tf0", "op:tf1"])]
    assert len(np.unique(runs)) == 6  # one trip instance per run
    assert set(graph.trip_ids) >= {"op:tf0", "op:tf1"}


def test_the_day_before_brings_its_trips_past_midnight(graph):
    # t3 23:50 P1 -> 24:10 C -> 25:00 D: Tuesday's run is on the graph from midnight on
    assert hops(graph, "op:t3") == [
        (0, "op:C", "op:D", 24 * H + 600, 25 * H, BOTH),
        (1, "op:P1", "op:C", DAY1 + 23 * H + 3000, DAY1 + 24 * H + 600, BOTH),
        (1, "op:C", "op:D", DAY1 + 24 * H + 600, DAY1 + 25 * H, BOTH)]


def test_trips_past_48_hours_come_from_two_days_before(graph):
    # t4 48:10 A -> 48:40 B: Monday's run (day -1) departs on Wednesday 00:10
    assert [(h[0], h[3], h[4]) for h in hops(graph, "op:t4")] == [
        (-1, -DAY1 + 48 * H + 600, -DAY1 + 48 * H + 2400), (0, 48 * H + 600, 48 * H + 2400),
        (1, DAY1 + 48 * H + 600, DAY1 + 48 * H + 2400)]
    assert graph.conn_dep.min() >= graph.day_start[1]  # nothing departs before the window


def test_connections_are_sorted_and_typed(graph):
    dep, arr = graph.conn_dep.astype(np.int64), graph.conn_arr.astype(np.int64)
    assert np.all((dep[1:] > dep[:-1]) | ((dep[1:] == dep[:-1]) & (arr[1:] >= arr[:-1])))
    assert np.all(arr >= dep)
    expected = {"conn_dep_stop": np.int32, "conn_arr_stop": np.int32, "conn_dep": np.int32, "conn_arr": np.int32,
                "conn_trip": np.int32, "conn_seq": np.int32, "conn_flags": np.uint8, "stop_lat": np.float64,
                "stop_lon": np.float64, "stop_parent": np.int32, "stop_wheelchair": np.int8, "stop_kind": np.int8,
                "trip_day": np.int16, "trip_route": np.int32, "trip_wheelchair": np.int8, "trip_shape": np.int32,
                "route_mode": np.int16, "route_operator": np.int32, "foot_offsets": np.int32, "foot_to": np.int32,
                "foot_duration": np.int32, "foot_distance": np.float32, "foot_kind": np.int8,
                "foot_wheelchair": np.int8, "shape_offsets": np.int32, "shape_lat": np.float64,
                "shape_dist": np.float32, "conn_shape_dist": np.float32, "day_start": np.int32}
    assert {name: getattr(graph, name).dtype for name in expected} == {n: np.dtype(t) for n, t in expected.items()}
    for name in ("stop_ids", "stop_names", "trip_ids", "trip_headsign", "route_ids", "operator_ids"):
        assert getattr(graph, name).dtype == object and all(isinstance(v, str) for v in getattr(graph, name))
    assert len(graph.foot_offsets) == graph.stop_count + 1
    assert graph.array_bytes() > 0 and graph.days == 2 and graph.first_day == date(2024, 3, 5)


def test_routes_operators_trips_and_shapes(graph):
    assert list(graph.route_mode) == [3, 2]  # 109, suburban railway: rail
    assert list(graph.operator_ids) == ["op"] and list(graph.operator_names) == ["Op Buses"]
    t1 = np.flatnonzero(graph.trip_ids == "op:t1")[0]
    assert graph.trip_headsign[t1] == "Delta" and graph.trip_wheelchair[t1] == 1
    assert graph.shape_ids[graph.trip_shape[t1]] == "op:sh1"
    t3 = np.flatnonzero(graph.trip_ids == "op:t3")[0]
    assert graph.trip_wheelchair[t3] == 2 and graph.trip_shape[t3] == -1
    first_hop = np.flatnonzero((graph.trip_ids[graph.conn_trip] == "op:t1") & (graph.conn_seq == 0))[0]
    assert graph.conn_shape_dist[first_hop] == 0.0
    assert graph.conn_arr_shape_dist[first_hop] == pytest.approx(3 / 5 * graph.shape_dist[1], rel=1e-4)
    assert graph.source_feed_version == "2024-03-01"


def test_stops_kinds_and_wheelchair_inherited_from_the_station(graph):
    kind = dict(zip(graph.stop_ids, graph.stop_kind.tolist(), strict=True))
    wheelchair = dict(zip(graph.stop_ids, graph.stop_wheelchair.tolist(), strict=True))
    assert kind["op:ST"] == 2 and kind["op:P1"] == 0 and kind["op:A"] == 0
    assert wheelchair["op:P1"] == 1 and wheelchair["op:P2"] == 2 and wheelchair["op:A"] == 0
    p1 = list(graph.stop_ids).index("op:P1")
    assert graph.stop_ids[graph.stop_parent[p1]] == "op:ST"


def test_calendar_dates_only_feed(tmp_path):
    tables = {**BASE, "calendar_dates": "service_id,date,exception_type\nwk,20240306,1\nwk,20240308,1\n"}
    del tables["calendar"]
    graph = build(tmp_path / "a", tables, days=3)  # Wednesday to Friday: Wednesday and Friday run
    assert sorted({int(d) for d in graph.trip_day[graph.conn_trip[graph.trip_ids[graph.conn_trip] == "op:t2"]]}) == [1, 3]
    assert graph.days == 4


def test_a_removed_date_takes_the_day_off(tmp_path):
    tables = {**BASE, "calendar_dates": "service_id,date,exception_type\nwk,20240306,2\n"}
    graph = build(tmp_path, tables)
    assert hops(graph, "op:t2") == []
    assert [h[0] for h in hops(graph, "op:t3")] == [0]  # Tuesday's late run still reaches Wednesday


def test_clock_change_day_starts_one_hour_early(tmp_path):
    graph = build(tmp_path, day=date(2024, 3, 29), days=3)  # Sunday 31 March: clocks go forward
    assert list(graph.day_start) == [0, DAY1, 2 * DAY1, 3 * DAY1 - H]  # Thu, Fri, Sat, Sun
    assert graph.seconds_at(datetime(2024, 3, 31, 8, 0)) == graph.day_start[3] + 8 * H
    assert graph.local_time(graph.day_start[3] + 8 * H).replace(tzinfo=None) == datetime(2024, 3, 31, 8, 0)
    assert graph.seconds_at(datetime(2024, 3, 29, 8, 0)) == DAY1 + 8 * H


def test_unknown_stops_and_backward_hops_are_left_out_and_reported(tmp_path):
    tables = {**BASE, "stop_times": BASE["stop_times"] + "op:t2,09:30:00,09:30:00,op:NOWHERE,4,,,\n"
                                                          "op:t2,09:05:00,09:05:00,op:D,5,,,\n"}
    graph = build(tmp_path, tables)
    assert len(hops(graph, "op:t2")) == 2
    assert any("unknown stop" in w for w in graph.warnings) and any("arriving before" in w for w in graph.warnings)
