"""The Dagster UI (dagster-webserver) loads the workspace and shows the whole asset graph."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from regie.store.paths import PROJECT_ROOT
from tests.pipelines.test_definitions import SNAPSHOT

QUERY = "{ assetNodes { assetKey { path } groupName } }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _why_not(process: subprocess.Popen[bytes]) -> str:
    """What the webserver wrote to stderr when it stopped, or "timeout" while it still runs."""
    return process.stderr.read1().decode() if process.poll() is not None else "timeout"


@pytest.mark.slow
def test_webserver_serves_the_asset_graph(tmp_path):
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "REGIE_DATA_DIR": str(tmp_path / "data")}
    webserver = Path(sys.executable).with_name("dagster-webserver")
    process = subprocess.Popen(
        [str(webserver), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        nodes = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                reply = requests.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, timeout=5)
                nodes = reply.json()["data"]["assetNodes"]
                if nodes:
                    break
            except (requests.ConnectionError, KeyError, ValueError):
                pass
            time.sleep(0.5)
        assert nodes, f"the UI did not serve the asset graph: {_why_not(process)}"
        shown = {"/".join(node["assetKey"]["path"]): node["groupName"] for node in nodes}
        assert shown == {key: spec["group"] for key, spec in SNAPSHOT["assets"].items()}
    finally:
        process.terminate()
        process.wait(timeout=30)
