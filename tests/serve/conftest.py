"""The Bay Area test region's graphs, and the application over its internal graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from regie.config import load_region
from regie.serve.app import create_app
from regie.serve.planning import LoadedGraph, load_graph
from regie.serve.settings import ServeSettings
from regie.store.paths import Paths
from tests.regions import built_region

BAY_DAY = "2018-09-12"


@pytest.fixture(scope="session")
def bay_paths(feeds_dir: Path) -> Paths:
    return built_region("bayarea", feeds_dir)


@pytest.fixture(scope="session")
def bay_graph(bay_paths: Paths) -> LoadedGraph:
    loaded = load_graph(bay_paths.journeys_dir / "internal", load_region(bay_paths.region_file).planner)
    assert loaded is not None
    return loaded


@pytest.fixture(scope="session")
def bay_settings(bay_paths: Paths, tmp_path_factory: pytest.TempPathFactory) -> ServeSettings:
    site = tmp_path_factory.mktemp("site")
    return ServeSettings(graph_dir=bay_paths.journeys_dir / "internal", site_dir=site / "releases" / "latest" / "site",
                         title="Bay Area test region: journey planner", planner=load_region(bay_paths.region_file).planner)


@pytest.fixture(scope="session")
def client(bay_settings: ServeSettings, bay_graph: LoadedGraph) -> TestClient:
    return TestClient(create_app(bay_settings, bay_graph), raise_server_exceptions=False)
