"""`regie ui` on the demo region serves the demo's feeds on loopback while the UI runs."""

from __future__ import annotations

import os
import shutil
import urllib.request
from datetime import date

from click.testing import CliRunner

import regie.cli.pipeline as pipeline
from regie.cli.main import main
from regie.demo import generate_demo_region
from regie.store.paths import PROJECT_ROOT


def test_ui_on_the_demo_region_serves_its_feeds(tmp_path, monkeypatch):
    configs, data = tmp_path / "configs", tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "configs", configs, ignore=shutil.ignore_patterns("examples"))
    generate_demo_region(data / "demo" / "feeds", start=date(2026, 3, 2), mugabus_defects=False)
    seen = {}

    def dagster_dev(command):  # stands in for `dagster dev`: fetch a feed as a run would
        url = os.environ["REGIE_DEMO_FEEDS_URL"]
        with urllib.request.urlopen(f"{url}/hiribus.zip", timeout=10) as response:
            seen.update(url=url, status=response.status, command=command[1:3])
        return 0

    def no_exec(*args):
        raise AssertionError("the demo region must not exec dagster without its feed server")

    monkeypatch.setattr(pipeline, "_dagster_dev", dagster_dev)
    monkeypatch.setattr(pipeline.os, "execv", no_exec)
    monkeypatch.setattr(pipeline, "DEMO_PORT", 0)  # any free port: the test may run beside a demo
    result = CliRunner().invoke(main, ["--config-dir", str(configs), "--data-dir", str(data), "ui"])
    assert result.exit_code == 0, result.output
    assert seen["status"] == 200 and seen["url"].startswith("http://127.0.0.1:") and seen["command"] == ["dev", "-w"]
    assert "Demo feeds served at" in result.output


def test_ui_on_another_region_does_not_serve_anything(tmp_path):
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "operators.yaml").write_text("operators: []\n")
    paths = pipeline.Paths(config_dir=configs, data_dir=tmp_path / "data", database_url="sqlite://")
    assert not pipeline._is_demo_region(paths)
