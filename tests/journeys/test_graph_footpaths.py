"""Footpaths of the graph: stations with and without pathways, the feed's transfers.txt, the
integrator's walking transfers (its transfers.csv), nearby stops; bike-share legs from a GBFS
snapshot only from stations with bikes to stations with free docks."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regie.config.region import PlannerSettings
from regie.integrate.outputs import write_csv
from regie.integrate.stops.transfers import TRANSFER_COLUMNS
from regie.journeys.bikeshare import latest_snapshot_folder, read_gbfs_snapshot
from regie.journeys.build import build_graph
from regie.journeys.footpaths import read_walking_transfers
from regie.journeys.graph import (
    ACCESS,
    ACCESSIBLE,
    BIKE_RIDE,
    IN_STATION,
    NOT_ACCESSIBLE,
    UNKNOWN,
    WALK,
    JourneyGraph,
)
from tests.journeys.graph_feeds import BASE, PATHWAYS, write_feed

DAY = date(2024, 3, 6)


def edges(graph: JourneyGraph) -> set[tuple[str, str, int, int, int]]:
    """(from, to, seconds, kind, wheelchair) of every footpath."""
    source = np.repeat(np.arange(graph.stop_count), np.diff(graph.foot_offsets))
    return {(graph.stop_ids[s], graph.stop_ids[t], int(d), int(k), int(w)) for s, t, d, k, w in
            zip(source, graph.foot_to, graph.foot_duration, graph.foot_kind, graph.foot_wheelchair, strict=True)}


def build(folder: Path, tables: dict[str, str], **kwargs) -> JourneyGraph:
    settings = kwargs.pop("settings", PlannerSettings())
    return build_graph(write_feed(folder, tables), first_service_day=DAY, days=1, timezone="Europe/Paris",
                       settings=settings, **kwargs)


def test_platforms_of_a_station_without_pathways_are_in_station_s_apart(tmp_path):
    graph = build(tmp_path, BASE, settings=PlannerSettings(in_station_s=90))
    assert edges(graph) == {("op:P1", "op:P2", 90, IN_STATION, UNKNOWN), ("op:P2", "op:P1", 90, IN_STATION, UNKNOWN)}


def test_pathways_give_the_fastest_route_and_the_step_free_one(tmp_path):
    graph = build(tmp_path, PATHWAYS)
    found = {e for e in edges(graph) if e[0] in ("P1", "P2", "P3")}
    assert found == {
        ("P1", "P2", 50, IN_STATION, NOT_ACCESSIBLE),  # walkway + stairs
        ("P1", "P2", 120, IN_STATION, ACCESSIBLE),  # walkway + elevator
        ("P2", "P1", 50, IN_STATION, NOT_ACCESSIBLE),
        ("P2", "P1", 120, IN_STATION, ACCESSIBLE),
        ("P1", "P3", 40, IN_STATION, NOT_ACCESSIBLE),  # the escalator to P3's boarding area, one way only
        ("P2", "P3", 30, IN_STATION, NOT_ACCESSIBLE),
    }
    town = {e for e in edges(graph) if e[0] in ("T1", "T2")}  # a station without pathways
    assert town == {("T1", "T2", 120, IN_STATION, UNKNOWN), ("T2", "T1", 120, IN_STATION, UNKNOWN)}
    assert set(graph.stop_ids) == {"S", "P1", "P2", "P3", "T", "T1", "T2"}  # no entrance, node, boarding area


def test_transfers_txt_times_walks_and_refusals(tmp_path):
    tables = {**BASE, "transfers": "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"
                                   "op:A,op:B,2,300\n"
                                   "op:B,op:C,0,\n"
                                   "op:P1,op:P2,3,\n"
                                   "op:C,op:C,2,60\n"}
    graph = build(tmp_path, tables, settings=PlannerSettings(walk_speed_mps=1.0, walk_detour=1.0))
    found = edges(graph)
    metres = 1111.95  # 0.01 degree of latitude
    assert ("op:A", "op:B", 300, WALK, UNKNOWN) in found
    walked = [e for e in found if e[:2] == ("op:B", "op:C")]  # type 0 without a time: the walk
    assert len(walked) == 1 and abs(walked[0][2] - metres) < 2 and walked[0][3] == WALK
    assert not any(e[:2] == ("op:P1", "op:P2") for e in found)  # type 3: not possible
    assert ("op:P2", "op:P1", 120, IN_STATION, UNKNOWN) in found
    assert not any(e[0] == e[1] for e in found)


def test_the_integrators_transfers_csv_wins_its_pairs(tmp_path):
    frame = pd.DataFrame([["op:A", "op:D", 2, 500, 420.5, 1.3, 1.2, 455.0, "bus/bus", 45, False, "generated"],
                          ["op:P1", "op:P2", 2, 45, 11.1, 1.3, 1.2, 12.0, "bus/bus", 33, True, "generated"],
                          ["op:B", "op:GONE", 2, 60, 50.0, 1.3, 1.2, 54.0, "bus/bus", 6, False, "generated"],
                          ["op:C", "op:D", 3, None, None, None, None, None, "", None, False, "operator"],
                          ["op:B", "op:D", 0, None, None, None, None, None, "", None, False, "operator"]],
                         columns=TRANSFER_COLUMNS)
    path = write_csv(tmp_path / "transfers.csv", frame)
    transfers = read_walking_transfers(path)
    assert list(transfers.columns) == ["from_stop_id", "to_stop_id", "duration_s", "distance_m", "kind"]
    assert len(transfers) == 3  # no time, or no transfer possible: left out
    graph = build(tmp_path / "feed", BASE, transfers=transfers)
    found = edges(graph)
    assert ("op:A", "op:D", 500, WALK, UNKNOWN) in found
    assert ("op:P1", "op:P2", 45, WALK, UNKNOWN) in found and not any(
        e[:2] == ("op:P1", "op:P2") and e[3] == IN_STATION for e in found)
    a = list(graph.stop_ids).index("op:A")
    assert graph.foot_distance[graph.foot_offsets[a]] == pytest.approx(420.5)


def test_nearby_stops_walk_when_asked(tmp_path):
    graph = build(tmp_path, BASE, settings=PlannerSettings(nearby_walk_m=1200, walk_speed_mps=1.0, walk_detour=1.0))
    pairs = {(a, b) for a, b, _, k, _ in edges(graph) if k == WALK}
    assert ("op:A", "op:B") in pairs and ("op:B", "op:A") in pairs and ("op:A", "op:C") not in pairs


def _snapshot(folder: Path, stations: list[tuple[str, float, float, int, int, bool]]) -> Path:
    folder.mkdir(parents=True)
    info = {"data": {"stations": [{"station_id": s, "name": f"Bikes {s}", "lat": la, "lon": lo, "capacity": 10}
                                  for s, la, lo, *_ in stations]}}
    status = {"data": {"stations": [{"station_id": s, "num_bikes_available": b, "num_docks_available": d,
                                     "is_renting": renting, "is_returning": True, "is_installed": True}
                                    for s, _, _, b, d, renting in stations]}}
    (folder / "station_information.json").write_text(json.dumps(info))
    (folder / "station_status.json").write_text(json.dumps(status))
    return folder


def test_bike_rides_only_from_stations_with_bikes_to_stations_with_docks(tmp_path):
    root = tmp_path / "snapshots" / "velo" / "gbfs"
    _snapshot(root / "20240305T080000000000Z", [("old", 43.0, -1.0, 1, 1, True)])
    folder = _snapshot(root / "20240306T080000000000Z", [
        ("X", 43.0101, -1.0, 3, 0, True),   # bikes, no dock; next to stop A
        ("Y", 43.0301, -1.0, 0, 5, True),   # docks, no bike; next to stop C
        ("Z", 43.0201, -1.0, 2, 2, False),  # not renting: nothing leaves it
        ("W", 43.2, -1.0, 0, 9, True),      # 21 km away: too far to ride
        ("Q", 95.0, -1.0, 5, 5, True),      # not a place
    ])
    assert latest_snapshot_folder(root) == folder
    system = read_gbfs_snapshot(folder, "velo", "Vélo")
    assert system.station_ids == ["X", "Y", "Z", "W"] and list(system.bikes) == [3, 0, 0, 0]
    settings = PlannerSettings(cycling_speed_mps=5.0, cycling_detour=1.0, bike_unlock_s=60, bike_access_m=100)
    graph = build(tmp_path / "feed", BASE, bike=system, settings=settings)
    rides = {(a, b) for a, b, _, kind, _ in edges(graph) if kind == BIKE_RIDE}
    assert rides == {("velo:bike:X", "velo:bike:Y"), ("velo:bike:X", "velo:bike:Z")}
    x_to_y = next(e for e in edges(graph) if e[:2] == ("velo:bike:X", "velo:bike:Y"))
    assert x_to_y[2] == pytest.approx(2223.9 / 5.0 + 60, abs=1) and x_to_y[4] == NOT_ACCESSIBLE
    access = {(a, b) for a, b, _, kind, _ in edges(graph) if kind == ACCESS}
    assert {("op:A", "velo:bike:X"), ("velo:bike:X", "op:A"), ("op:C", "velo:bike:Y")} <= access
    assert not any("bike:W" in a or "bike:W" in b for a, b in access)
    stations = graph.stop_kind == 1
    assert list(graph.stop_ids[stations]) == ["velo:bike:X", "velo:bike:Y", "velo:bike:Z", "velo:bike:W"]
    assert list(graph.bike_stop) == list(np.flatnonzero(stations)) and list(graph.bike_bikes) == [3, 0, 0, 0]
    assert list(graph.bike_operator_names) == ["Vélo"] * 4


def test_a_hostile_snapshot_gives_no_station(tmp_path):
    folder = tmp_path / "snap"
    folder.mkdir()
    (folder / "station_information.json").write_text('{"data": {"stations": [{"station_id": {"x": 1}}, 7, '
                                                     '{"station_id": "a", "lat": "NaN", "lon": 1}]}}')
    (folder / "station_status.json").write_text("not json")
    system = read_gbfs_snapshot(folder, "velo")
    assert system.station_ids == [] and system.warnings
