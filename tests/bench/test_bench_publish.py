"""The publish benchmark (`python -m bench publish`) on a tiny generated feed: it runs end to end
and its last line is the JSON with every figure (no timing is asserted)."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import date

import pytest

from bench.__main__ import main
from regie.demo import generate_demo_region

KEYS = {"pyarrow_read_s", "release_files_s", "sqlite_s", "sqlite_raw_s", "postgres_s", "postgres_raw_s",
        "release_files_over_p", "sqlite_over_raw", "postgres_over_raw"}


@pytest.mark.parametrize("server", [False, pytest.param(True, marks=pytest.mark.postgres)])
def test_bench_publish_on_a_tiny_feed(tmp_path, capsys, monkeypatch, server):
    if server and not os.environ.get("REGIE_TEST_POSTGRES_URL"):
        if os.environ.get("CI"):
            pytest.fail("CI runs the PostgreSQL half of the benchmark: set REGIE_TEST_POSTGRES_URL")
        pytest.skip("no PostgreSQL server: set REGIE_TEST_POSTGRES_URL")
    if not server:
        monkeypatch.delenv("REGIE_TEST_POSTGRES_URL", raising=False)
    generate_demo_region(tmp_path, start=date(2026, 3, 2))
    feed = tmp_path / "txingudi-ferry.zip"

    assert main(["publish", "--feed", str(feed), "--repeat", "1"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    assert set(result) >= KEYS and result["feed"] == feed.name
    with zipfile.ZipFile(feed) as archive:
        lines = {name.removesuffix(".txt"): len(archive.read(name).decode().strip().splitlines()) - 1
                 for name in archive.namelist() if name.endswith(".txt")}
    assert result["rows"] == {name: count for name, count in lines.items() if name in result["rows"]}
    assert {"stops", "stop_times", "trips"} <= set(result["rows"])
    for key in ("pyarrow_read_s", "release_files_s", "sqlite_s", "sqlite_raw_s", "sqlite_over_raw"):
        assert result[key] > 0, key
    if server:
        assert result["postgres_s"] > 0 and result["postgres_raw_s"] > 0 and result["postgres_over_raw"] > 0
    else:
        assert result["postgres_s"] is None and result["postgres_raw_s"] is None and result["postgres_over_raw"] is None
