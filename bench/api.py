"""The planner's HTTP API under load: `regie serve` on loopback (a subprocess, WORKERS uvicorn
workers) over HART's graph for one service day, REQUESTS journey requests from CLIENTS
closed-loop clients (each sends its next request when the previous answer arrived), bounded by
DEADLINE_S; every non-200 answer or failed connection is an error.

P: best of 3 warm, in-process `pyarrow.csv` reads of every `.txt` of HART (as `bench journeys`).
Reported: requests, errors, p50_s, p99_s, requests_per_s, and p50/p99 as ratios to P.
Goals: 0 errors, at least 200 requests per second, p99 <= 1 P.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from bench.common import best_of, read_all_tables
from bench.journeys import SERVICE_DAY as DAY
from bench.journeys import build_hart, hart_path

REQUESTS, CLIENTS, WORKERS, DEADLINE_S = 2000, 16, 2, 300.0
SEED = 11


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build_hart_graph(folder: Path) -> list[str]:
    """HART's graph for DAY written as graph files into `folder`; returns its boardable stop ids."""
    from regie.gtfs.feed_tables import read_feed_tables
    from regie.journeys.files import write_graph_files

    graph = build_hart(read_feed_tables(hart_path()))
    write_graph_files(graph, folder)
    served = set(graph.conn_dep_stop.tolist()) | set(graph.conn_arr_stop.tolist())
    return sorted(str(graph.stop_ids[index]) for index in served)


def _wait_until_up(port: int, server: subprocess.Popen, timeout_s: float = 120.0) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if server.poll() is not None:
            raise SystemExit(f"regie serve exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/health")
            response = connection.getresponse()
            body = json.loads(response.read())
            connection.close()
            if response.status == 200 and body.get("graph_loaded"):
                return
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(0.3)
    raise SystemExit("regie serve did not answer /api/health in time")


def journey_paths(stop_ids: list[str], count: int) -> list[str]:
    """`count` request paths between random stops, departing between 06:00 and 20:00 of DAY."""
    chooser = random.Random(SEED)
    paths = []
    for _ in range(count):
        origin, destination = chooser.sample(stop_ids, 2)
        at = datetime.combine(DAY, datetime.min.time()) + timedelta(seconds=chooser.randrange(6 * 3600, 20 * 3600))
        paths.append("/api/journeys?" + urlencode({"from": origin, "to": destination,
                                                    "at": at.strftime("%Y-%m-%dT%H:%M")}))
    return paths


def load(port: int, paths: list[str], clients: int, deadline_s: float) -> dict:
    """Closed-loop clients over keep-alive connections; latency of each answered request."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = iter(paths)
    stop_at = time.monotonic() + deadline_s

    def next_path() -> str | None:
        with lock:
            return next(queue, None) if time.monotonic() < stop_at else None

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while (path := next_path()) is not None:
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status != 200:
                        errors.append(f"{response.status} {path}")
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                with lock:
                    errors.append(f"{type(exc).__name__} {path}")
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    done = len(ordered)
    return {"requests": done, "errors": len(errors) + (len(paths) - done), "error_samples": errors[:5],
            "wall_s": round(wall, 3), "requests_per_s": round(done / wall, 1) if wall else 0.0,
            "p50_s": ordered[done // 2] if done else None,
            "p99_s": ordered[min(done - 1, int(done * 0.99))] if done else None}


def _serve(graph_dir: Path, data_dir: Path, port: int, workers: int) -> subprocess.Popen:
    regie = Path(sys.executable).with_name("regie")
    env = {**os.environ, "REGIE_DATA_DIR": str(data_dir), "REGIE_CONFIG_DIR": str(data_dir / "no-config")}
    return subprocess.Popen([str(regie), "serve", "--graph", str(graph_dir), "--port", str(port),
                             "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run() -> dict:
    hart = hart_path()
    read_all_tables(hart)  # warm, as `bench journeys`
    pyarrow_s = best_of(3, lambda: read_all_tables(hart))
    with tempfile.TemporaryDirectory(prefix="regie-bench-api-") as tmp:
        folder = Path(tmp)
        stop_ids = build_hart_graph(folder / "graph")
        port = _free_port()
        server = _serve(folder / "graph", folder, port, WORKERS)
        try:
            _wait_until_up(port, server)
            warm = journey_paths(stop_ids, 2 * CLIENTS * WORKERS)  # every worker's compiled kernels loaded
            load(port, warm, CLIENTS, 60.0)
            result = load(port, journey_paths(stop_ids, REQUESTS), CLIENTS, DEADLINE_S)
        finally:
            _stop(server)

    def ratio(value: float | None) -> float | None:
        return round(value / pyarrow_s, 3) if value else None

    print(f"HART {DAY}, {WORKERS} workers, {CLIENTS} clients: {result['requests']} requests in {result['wall_s']} s, "
          f"{result['errors']} errors {result['error_samples']}; p50 {result['p50_s']:.4f} s, p99 {result['p99_s']:.4f} s; "
          f"P = {pyarrow_s:.3f} s")
    return {"requests": result["requests"], "errors": result["errors"], "p50_s": round(result["p50_s"], 5),
            "p99_s": round(result["p99_s"], 5), "requests_per_s": result["requests_per_s"],
            "pyarrow_read_s": round(pyarrow_s, 4), "p50_ratio": ratio(result["p50_s"]),
            "p99_ratio": ratio(result["p99_s"]), "clients": CLIENTS, "workers": WORKERS}


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
