"""The production deployment on loopback: `dagster-daemon run` and `dagster-webserver` with the
production profile (runs, events and schedules in PostgreSQL, the queued run coordinator), the
registry sensor adding a new operator's partition and launching its run, everything read back
through the webserver's GraphQL API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path

import pytest
import requests
import yaml

from regie.demo import generate_demo_region
from regie.demo.server import FeedServer
from regie.store.paths import PROJECT_ROOT
from tests.conftest import _postgres_database

pytestmark = pytest.mark.postgres

START = date(2026, 3, 2)
RUN_TIMEOUT_S = 240
REGION = """\
name: Operate test region
timezone: Europe/Paris
bbox: {min_lon: -2.2, min_lat: 43.15, max_lon: -1.3, max_lat: 43.6}
languages: [en]
as_of: 2026-03-02
collection: {retries: 0, backoff_s: 0, allow_loopback: true}
"""
OPERATOR = """\
operators:
  - id: txingudi-ferry
    name: Txingudi Ferry
    modes: [ferry]
    contact: ferry@txingudi.example
    licence: etalab-2.0
    openness: open
    member_from: 2024-06-01
    feeds:
      - id: gtfs
        kind: gtfs
        url: {url}
"""
LOCATIONS = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message stack } } } } ... on PythonError { message } } }"""
DEFINITIONS = """{ repositoriesOrError { __typename ... on RepositoryConnection { nodes { name location { name }
  schedules { name } sensors { name } assetNodes { assetKey { path }
  assetChecksOrError { __typename ... on AssetChecks { checks { name } } } } } } } }"""
RUNS = """query Runs($sensor: String!) { runsOrError(filter: {tags: [{key: "dagster/sensor_name", value: $sensor}]}) {
  __typename ... on Runs { results { runId jobName status tags { key value } } } ... on PythonError { message } } }"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _process_group(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A subprocess in its own process group (its code servers and run workers too), killed with it."""
    with log.open("wb") as output:
        process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            yield process
        finally:
            _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the group, then SIGKILL to whatever of it is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)


class GraphQL:
    def __init__(self, port: int, logs: list[Path]):
        self.url = f"http://127.0.0.1:{port}/graphql"
        self.logs = logs

    def __call__(self, query: str, **variables: str) -> dict:
        reply = requests.post(self.url, json={"query": query, "variables": variables}, timeout=30)
        reply.raise_for_status()
        body = reply.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def tails(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in self.logs)


def _wait_for(graphql: GraphQL, webserver: subprocess.Popen[bytes], *, loaded: bool) -> list[dict]:
    """The workspace's code locations once the webserver answers (`loaded`: once they all loaded)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert webserver.poll() is None, f"the webserver stopped:\n{graphql.tails()}"
        try:
            data = graphql(LOCATIONS)["workspaceOrError"]
            entries = data.get("locationEntries") or []
            if not loaded or (entries and all(entry["loadStatus"] == "LOADED" for entry in entries)):
                return entries
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the webserver did not answer or load the code location:\n{graphql.tails()}")


def _wait_for_sensor_run(graphql: GraphQL, daemon: subprocess.Popen[bytes]) -> dict:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    runs: list[dict] = []
    while time.monotonic() < deadline:
        assert daemon.poll() is None, f"the daemon stopped:\n{graphql.tails()}"
        data = graphql(RUNS, sensor="registry_operators")["runsOrError"]
        assert data["__typename"] == "Runs", data
        runs = data["results"]
        if runs and runs[0]["status"] in {"SUCCESS", "FAILURE", "CANCELED"}:
            return runs[0]
        time.sleep(2)
    raise AssertionError(f"no finished run of the registry sensor after {RUN_TIMEOUT_S} s ({runs}):\n{graphql.tails()}")


def test_daemon_and_webserver_run_a_new_operator_on_the_production_profile(tmp_path):
    # lazy: the expected names come from the definitions themselves
    from pipelines.definitions import defs

    repository = defs.get_repository_def()
    feeds, configs, home = tmp_path / "feeds", tmp_path / "configs", tmp_path / "dagster_home"
    generate_demo_region(feeds, start=START, mugabus_defects=False)
    configs.mkdir()
    home.mkdir()
    (configs / "region.yaml").write_text(REGION)
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "deploy/dagster/dagster.production.yaml").read_text())
    assert yaml.safe_load((home / "dagster.yaml").read_text())["run_coordinator"]["class"] == "QueuedRunCoordinator"
    bin_dir = Path(sys.executable).parent
    port = _free_port()
    for dagster_url in _postgres_database():
        with FeedServer(feeds) as server:
            (configs / "operators.yaml").write_text(OPERATOR.format(url=server.url("txingudi-ferry.zip")))
            env = {**os.environ, "DAGSTER_HOME": str(home), "REGIE_CONFIG_DIR": str(configs),
                   "REGIE_DATA_DIR": str(tmp_path / "data"),
                   "REGIE_DAGSTER_POSTGRES_URL": dagster_url.replace("+psycopg://", "+psycopg2://")}
            env.pop("REGIE_DATABASE_URL", None)  # the catalogue: SQLite in the data folder
            daemon_log, webserver_log = tmp_path / "daemon.log", tmp_path / "webserver.log"
            graphql = GraphQL(port, [daemon_log, webserver_log])
            with _process_group([str(bin_dir / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1",
                                 "-p", str(port)], env, webserver_log) as webserver:
                _wait_for(graphql, webserver, loaded=False)
                # the webserver created the storage's schema before answering: the daemon starts on it
                with _process_group([str(bin_dir / "dagster-daemon"), "run", "-w", "workspace.yaml"], env,
                                    daemon_log) as daemon:
                    entries = _wait_for(graphql, webserver, loaded=True)
                    assert [entry["locationOrLoadError"]["__typename"] for entry in entries] == ["RepositoryLocation"]

                    [node] = graphql(DEFINITIONS)["repositoriesOrError"]["nodes"]
                    assets = {"/".join(asset["assetKey"]["path"]) for asset in node["assetNodes"]}
                    assert assets == {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()}
                    checks = {("/".join(asset["assetKey"]["path"]), check["name"]) for asset in node["assetNodes"]
                              for check in asset["assetChecksOrError"].get("checks", [])}
                    assert all(asset["assetChecksOrError"]["__typename"] == "AssetChecks" for asset in node["assetNodes"])
                    assert checks == {(key.asset_key.to_user_string(), key.name)
                                      for key in repository.asset_graph.asset_check_keys}
                    assert {s["name"] for s in node["schedules"]} == {s.name for s in repository.schedule_defs}
                    assert {s["name"] for s in node["sensors"]} == {s.name for s in repository.sensor_defs}

                    run = _wait_for_sensor_run(graphql, daemon)
                    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
                    assert run["jobName"] == "operator_feeds"
                    assert tags["dagster/partition"] == "txingudi-ferry"
                    assert run["status"] == "SUCCESS", f"{run}\n{graphql.tails()}"
    assert (tmp_path / "data" / "integration" / "normalised" / "txingudi-ferry" / "feed.zip").is_file()
