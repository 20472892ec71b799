"""build_graph over feeds of the demo generator: its rail operator's timetable with the bizi
bike-share system of its GBFS folder (read as a snapshot), over a week."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from regie.config.region import PlannerSettings
from regie.demo import generate_demo_region
from regie.gtfs.feed_tables import read_feed_tables
from regie.journeys.bikeshare import read_gbfs_snapshot
from regie.journeys.build import build_graph
from regie.journeys.files import read_graph_files, write_graph_files
from regie.journeys.graph import ACCESS, BIKE_RIDE

START = date(2026, 11, 23)  # a Monday


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("demo")
    generate_demo_region(folder, start=START, mugabus_defects=False)
    return folder


def test_a_week_of_rail_with_shared_bikes(demo, tmp_path):
    bizi = read_gbfs_snapshot(demo / "bizi", "bizi", "Bizi")
    assert len(bizi.station_ids) > 0
    graph = build_graph(read_feed_tables(demo / "kosta-rail.zip"), first_service_day=START, days=7,
                        timezone="Europe/Paris", bike=bizi, settings=PlannerSettings(bike_access_m=600))
    per_day = np.bincount(graph.trip_day[graph.conn_trip].astype(np.int64), minlength=8)
    assert (per_day[1:] > 0).all() and per_day[6] != per_day[1]  # every day runs; Saturday is not Monday
    assert graph.first_day == START - timedelta(days=1) and graph.days == 8
    kinds = np.bincount(graph.foot_kind, minlength=4)
    assert kinds[ACCESS] > 0 and kinds[BIKE_RIDE] > 0
    source = np.repeat(np.arange(graph.stop_count), np.diff(graph.foot_offsets))
    rides = graph.foot_kind == BIKE_RIDE
    station_of = {int(s): i for i, s in enumerate(graph.bike_stop)}
    assert all(graph.bike_bikes[station_of[int(a)]] > 0 and graph.bike_docks[station_of[int(b)]] > 0
               for a, b in zip(source[rides], graph.foot_to[rides], strict=True))
    write_graph_files(graph, tmp_path)
    assert read_graph_files(tmp_path).connection_count == graph.connection_count
