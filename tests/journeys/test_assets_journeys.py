"""The journeys stage over the Bay Area test region: the assets write both graphs and run their
checks; the open graph never holds a restricted operator; a hub without service is reported cut off."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dagster import materialize

from assets.journeys import integration_benefit, journey_graph, open_journey_graph
from pipelines.resources import PoolResource
from regie.config import load_region, load_registry
from regie.journeys.connectivity import connections_per_service_day, cut_off_hubs
from regie.journeys.files import read_graph_files
from regie.journeys.run import build_region_graph, restricted_on_graph
from regie.store.paths import Paths, sqlite_url
from tests.regions import built_region


@pytest.fixture(scope="module")
def bay(feeds_dir: Path) -> Paths:
    return built_region("bayarea", feeds_dir)


def test_assets_build_both_graphs_and_their_checks_pass(bay, feeds_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("REGIE_TEST_FEEDS", str(feeds_dir))
    data_dir = tmp_path / "data"
    shutil.copytree(bay.integration_dir, data_dir / "integration")
    resource = PoolResource(config_dir=str(bay.config_dir), data_dir=str(data_dir),
                            database_url=sqlite_url(tmp_path / "regie.db"))
    result = materialize([journey_graph, open_journey_graph, integration_benefit], resources={"pool": resource})
    assert result.success
    checks = {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()}
    assert checks == {"graph_has_service_every_day": True, "no_hub_cut_off": True,
                      "open_graph_has_service_every_day": True}
    internal = read_graph_files(data_dir / "journeys" / "internal")
    opened = read_graph_files(data_dir / "journeys" / "open")
    assert "countyconnection" in set(internal.operator_ids)
    assert restricted_on_graph(opened, {"countyconnection"}) == []
    assert not any(str(stop_id).startswith("countyconnection:") for stop_id in opened.stop_ids)
    metadata = result.asset_materializations_for_node("journey_graph")[0].metadata
    assert metadata["feed_version"].value == internal.source_feed_version
    benefit = pd.read_csv(data_dir / "journeys" / "benefit.csv")
    assert set(benefit["operator_id"]) == {"bart", "caltrain", "countyconnection"}
    summary = json.loads((data_dir / "journeys" / "benefit.json").read_text(encoding="utf-8"))
    assert summary["regional_ratio"] > 1
    assert result.asset_materializations_for_node("integration_benefit")[0].metadata["regional_ratio"].value > 1


def test_an_open_graph_with_a_restricted_operator_is_refused(bay, tmp_path):
    paths = Paths(bay.config_dir, tmp_path, sqlite_url(tmp_path / "regie.db"))
    shutil.copytree(bay.integration_dir / "open", paths.integration_dir / "open")
    registry = load_registry(bay.operators_file, env={"REGIE_TEST_FEEDS": "/nowhere"})
    bart_restricted = [op.model_copy(update={"openness": "restricted"}) if op.id == "bart" else op
                       for op in registry.operators]
    outcome = build_region_graph(paths, load_region(bay.region_file), bart_restricted, "open", snapshots={})
    assert not outcome.built and "bart" in outcome.reason
    assert not (paths.journeys_dir / "open").exists()


def test_a_hub_without_service_is_cut_off(bay):
    graph = read_graph_files(bay.journeys_dir / "internal")
    hubs = pd.read_csv(bay.integration_dir / "internal" / "hubs.csv", dtype=str, keep_default_na=False)
    assert cut_off_hubs(graph, hubs) == []
    millbrae = hubs[hubs["station_name"] == "Millbrae"].iloc[0]
    members = {i for i, stop_id in enumerate(graph.stop_ids) if stop_id in millbrae["members"].split()}
    keep = ~(np.isin(graph.conn_dep_stop, list(members)) | np.isin(graph.conn_arr_stop, list(members)))
    cut = dataclasses.replace(graph, **{name: getattr(graph, name)[keep] for name in (
        "conn_dep_stop", "conn_arr_stop", "conn_dep", "conn_arr", "conn_trip", "conn_seq", "conn_flags")})
    found = cut_off_hubs(cut, hubs)
    assert [(hub.hub_id, hub.reason) for hub in found] == [(millbrae["hub_id"], "cut off from the network")]
    unknown = pd.DataFrame([{"hub_id": "hub:x", "station_id": "nobody:1", "station_name": "Nowhere", "members": ""}])
    assert cut_off_hubs(graph, unknown)[0].reason == "not on the graph"


def test_each_service_day_counts_its_connections(bay):
    graph = read_graph_files(bay.journeys_dir / "internal")
    per_day = connections_per_service_day(graph)
    assert [day.isoformat() for day in per_day] == ["2018-09-12"]
    assert per_day[next(iter(per_day))] > 1000


def test_a_restricted_bike_share_stays_out_of_the_open_graph(bay, tmp_path):
    from datetime import date

    from regie.config.operators import Operator
    from regie.demo import generate_demo_region

    demo = tmp_path / "demo"
    generate_demo_region(demo, start=date(2018, 9, 12), mugabus_defects=False)
    bikes = Operator.model_validate({
        "id": "bizi", "name": "Bizi", "modes": ["bike_share"], "contact": "bizi@example.org", "licence": "CC0-1.0",
        "openness": "restricted", "member_from": "2018-01-01",
        "feeds": [{"id": "gbfs", "kind": "gbfs", "url": "https://bizi.example/gbfs.json"}]})
    operators = [*load_registry(bay.operators_file, env={"REGIE_TEST_FEEDS": "/nowhere"}).operators, bikes]
    paths = Paths(bay.config_dir, tmp_path / "data", sqlite_url(tmp_path / "regie.db"))
    shutil.copytree(bay.integration_dir, paths.integration_dir)
    region = load_region(bay.region_file)
    opened = build_region_graph(paths, region, operators, "open", {"bizi": demo / "bizi"})
    internal = build_region_graph(paths, region, operators, "internal", {"bizi": demo / "bizi"})
    assert opened.built and opened.bike_operators == () and opened.graph is not None
    assert not (opened.graph.stop_kind == 1).any()
    assert internal.bike_operators == ("bizi",) and internal.graph is not None
    assert (internal.graph.stop_kind == 1).sum() > 0
