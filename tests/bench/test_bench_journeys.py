"""The journeys benchmark's pieces on a tiny hand-built feed (nothing timed is checked): random
queries, the planner's query figures, the replicated network and its links, pyraptor's inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from bench import journeys
from tests.journeys.graph_feeds import BASE, write_feed


def _feed(folder):
    """BASE running in 2020, without its trip past 48:00 (a day -1 instance, not the bench's subject)."""
    tables = {name: "".join(line for line in text.splitlines(keepends=True) if not line.startswith("op:t4,"))
              for name, text in BASE.items()}
    return write_feed(folder, {name: text.replace("20240101,20241231", "20200101,20201231")
                               for name, text in tables.items()})


def test_bench_pieces_on_a_tiny_feed(tmp_path):
    feed = _feed(tmp_path / "feed")
    graph = journeys.build_hart(feed)
    assert graph.connection_count > 0
    queries = journeys.random_queries(graph, 6)
    departing = set(graph.conn_dep_stop.tolist())
    assert all(o in departing and d in departing and 6 <= at.hour < 20 and at.date() == journeys.SERVICE_DAY
               for o, d, at in queries)
    assert queries == journeys.random_queries(graph, 6)  # seeded
    figures = journeys.query_times(graph, queries)
    assert {"ea_p50_s", "ea_p90_s", "pareto_p90_s", "range_p90_s", "one_to_all_p50_s", "isochrone_p50_s"} <= set(figures)
    assert 0 < figures["ea_found"] <= 6


def test_replicas_are_linked_to_their_neighbours(tmp_path):
    feed = _feed(tmp_path / "feed")
    tables, transfers = journeys.replicated(feed, 3)
    assert len(tables["stops"]) == 3 * len(feed.get("stops"))
    pairs = set(zip(transfers["from_stop_id"].str[:3], transfers["to_stop_id"].str[:3], strict=True))
    assert pairs == {("r0-", "r1-"), ("r1-", "r0-"), ("r1-", "r2-"), ("r2-", "r1-")}
    assert len(transfers) == 12 and (transfers["duration_s"] == 600).all()
    single, triple = journeys.build_hart(feed), journeys.build_hart(tables, transfers=transfers)
    assert triple.connection_count == 3 * single.connection_count
    assert np.diff(triple.foot_offsets).sum() == np.diff(single.foot_offsets).sum() * 3 + 12
    queries = journeys.random_queries(single, 4)
    mapped = journeys.replica_queries(single, triple, queries, 3)
    assert [(triple.stop_ids[o], triple.stop_ids[d]) for o, d, _ in mapped] == [
        (f"r{i % 3}-{single.stop_ids[o]}", f"r{i % 3}-{single.stop_ids[d]}") for i, (o, d, _) in enumerate(queries)]
    figures = journeys.replicated_times(feed, single, queries, replicas=2)
    assert figures["connections_16x"] == 2 * single.connection_count and "ea_p90_16x_s" in figures


def test_pyraptor_inputs_hold_the_service_days_trips(tmp_path):
    feed = _feed(tmp_path / "feed")
    graph = journeys.build_hart(feed)
    queries = journeys.random_queries(graph, 3)
    journeys.pyraptor_inputs(graph, queries, tmp_path)
    stop_times = pd.read_csv(tmp_path / "stop_times.csv", dtype={"trip_id": str, "stop_id": str})
    trips = pd.read_csv(tmp_path / "trips.csv", dtype=str)
    day1 = np.flatnonzero(graph.trip_day == 1)
    assert set(trips["trip_id"]) == set(day1.astype(str)) == set(stop_times["trip_id"])
    t1 = str(day1[graph.trip_ids[day1] == "op:t1"][0])
    rows = stop_times[stop_times["trip_id"] == t1]
    assert [graph.stop_ids[int(s)] for s in rows["stop_id"]] == ["op:A", "op:B", "op:C", "op:D"]
    assert rows["stop_sequence"].tolist() == [1, 2, 3, 4]
    assert rows["departure_time"].tolist() == [8 * 3600, 8 * 3600 + 900, 8 * 3600 + 1200, 8 * 3600 + 1800]
    assert rows["arrival_time"].tolist() == rows["departure_time"].tolist()
    named = json.loads((tmp_path / "queries.json").read_text())
    assert [n for n, _ in named] == [graph.stop_names[o] for o, _, _ in queries]
    assert all(6 * 3600 <= s < 20 * 3600 for _, s in named)
    assert "run_raptor" in (tmp_path / "runner.py").read_text()
