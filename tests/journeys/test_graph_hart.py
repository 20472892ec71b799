"""build_graph over HART for one service day: its connections are the hops of the trips that
run that day (and the hops past midnight of the day before), counted here independently from
the zip's CSV with plain pandas and datetime."""

from __future__ import annotations

import zipfile
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from regie.gtfs.feed_tables import read_feed_tables
from regie.journeys.build import build_graph

DAY = date(2020, 11, 18)  # a Wednesday


def _csv(archive: zipfile.ZipFile, name: str) -> pd.DataFrame:
    with archive.open(f"{name}.txt") as stream:
        return pd.read_csv(stream, dtype=str, keep_default_na=False)


def _running(calendar: pd.DataFrame, dates: pd.DataFrame, day: date) -> set[str]:
    weekday = day.strftime("%A").lower()
    text = day.strftime("%Y%m%d")
    ranged = calendar[(calendar[weekday] == "1") & (calendar["start_date"] <= text) & (calendar["end_date"] >= text)]
    running = set(ranged["service_id"])
    running |= set(dates[(dates["date"] == text) & (dates["exception_type"] == "1")]["service_id"])
    return running - set(dates[(dates["date"] == text) & (dates["exception_type"] == "2")]["service_id"])


@pytest.fixture(scope="module")
def hart(feeds_dir):
    return feeds_dir / "large" / "hart_2020-11-15.zip"


def test_hart_connections_are_the_hops_of_the_trips_running_that_day(hart):
    with zipfile.ZipFile(hart) as archive:
        trips, stop_times = _csv(archive, "trips"), _csv(archive, "stop_times")
        calendar, dates = _csv(archive, "calendar"), _csv(archive, "calendar_dates")
    seconds = stop_times["departure_time"].str.split(":", expand=True).astype(int) @ np.array([3600, 60, 1])
    stop_times = stop_times.assign(dep=seconds, seq=stop_times["stop_sequence"].astype(int))
    stop_times = stop_times.sort_values(["trip_id", "seq"])
    stop_times["last"] = stop_times["trip_id"] != stop_times["trip_id"].shift(-1)
    hops = stop_times[~stop_times["last"]]  # every row but a trip's last departs a hop
    expected = {}
    for day, label in ((DAY, 1), (DAY - timedelta(days=1), 0)):
        today = set(trips[trips["service_id"].isin(_running(calendar, dates, day))]["trip_id"])
        mine = hops[hops["trip_id"].isin(today)]
        expected[label] = int((mine["dep"] >= 86_400).sum()) if label == 0 else len(mine)

    graph = build_graph(read_feed_tables(hart), first_service_day=DAY, days=1, timezone="America/New_York")
    counts = np.bincount(graph.trip_day[graph.conn_trip], minlength=2)
    assert expected[1] > 50_000
    assert {0: int(counts[0]), 1: int(counts[1])} == expected
    assert graph.warnings == []
    assert graph.array_bytes() < 50 * 2**20
    assert graph.conn_dep.min() == graph.day_start[1] == 86_400
