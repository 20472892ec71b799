"""`regie serve` as a person starts it: uvicorn workers on a loopback port over the data folder's
internal graph, the region's title and planner settings; stopped by a signal."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def test_regie_serve_answers_on_loopback(bay_paths):
    port = _free_port()
    regie = Path(sys.executable).with_name("regie")
    server = subprocess.Popen([str(regie), "--config-dir", str(bay_paths.config_dir), "--data-dir",
                               str(bay_paths.data_dir), "serve", "--port", str(port), "--workers", "1"],
                              env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, health = time.monotonic() + 90, None
        while time.monotonic() < deadline and health is None:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                health = json.loads(_get(f"http://127.0.0.1:{port}/api/health")[1])
            except OSError:
                time.sleep(0.3)
        assert health is not None and health["graph_loaded"] and health["window_start"] == "2018-09-12"
        status, page = _get(f"http://127.0.0.1:{port}/plan")
        assert status == 200 and "Bay Area test region: journey planner" in page.decode()
        query = "from=Millbrae&to=Concord&at=2018-09-12T08:00"
        answer = json.loads(_get(f"http://127.0.0.1:{port}/api/journeys?{query}")[1])
        assert answer["journeys"]
    finally:
        server.terminate()
        server.wait(timeout=30)
