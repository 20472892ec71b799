"""`regie replay`: other rules replayed over the archive from the command line; live state untouched."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, func, select

from regie.cli.main import main
from regie.demo import generate_demo_region
from regie.store.catalogue import schema

START = date(2026, 3, 2)
REGION = """\
name: Demo
timezone: Europe/Paris
bbox: {min_lon: -2.2, min_lat: 43.15, max_lon: -1.3, max_lat: 43.6}
languages: [fr]
as_of: 2026-03-02
"""
OPERATORS = """\
operators:
  - id: mugabus
    name: Mugabus
    modes: [coach]
    contact: data@mugabus.example
    licence: CC0-1.0
    openness: open
    member_from: 2024-01-01
    feeds:
      - id: gtfs
        kind: gtfs
        url: https://mugabus.example/gtfs.zip
"""


def test_replay_shows_the_version_in_force_that_would_change(tmp_path: Path):
    configs, data = tmp_path / "configs", tmp_path / "data"
    configs.mkdir()
    (configs / "region.yaml").write_text(REGION)
    (configs / "operators.yaml").write_text(OPERATORS)
    good, broken = tmp_path / "good", tmp_path / "broken"
    generate_demo_region(good, start=START, mugabus_defects=False)
    generate_demo_region(broken, start=START, mugabus_defects=True)
    runner = CliRunner()

    def regie(*args: str):
        return runner.invoke(main, ["--config-dir", str(configs), "--data-dir", str(data), *args])

    assert regie("submit", "mugabus", str(good / "mugabus.zip")).exit_code == 0
    assert regie("submit", "mugabus", str(broken / "mugabus.zip")).exit_code == 0

    same = tmp_path / "same.yaml"
    same.write_text("expiry_warning_days: 14\n")
    unchanged = regie("replay", "--rules", str(same))
    assert unchanged.exit_code == 0, unchanged.output
    assert "mugabus/gtfs" in unchanged.output and "no change (2 versions)" in unchanged.output

    strict = tmp_path / "strict.yaml"  # the good version's warnings become blocking too
    strict.write_text("blocking:\n  severities: [ERROR, WARNING]\n")
    result = regie("replay", "--rules", str(strict), "--json")
    assert result.exit_code == 3, result.output
    [impact] = json.loads(result.output)
    assert impact["version_in_force"]["live"] is not None and impact["version_in_force"]["alternative"] is None
    assert impact["versions"][0]["blocked"] == {"live": False, "alternative": True}

    engine = create_engine(f"sqlite:///{data / 'regie.db'}")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(schema.validations)).scalar_one() == 0
    engine.dispose()
    assert not (data / "reports").exists() or not any((data / "reports").rglob("report.html"))

    missing = regie("replay", "--rules", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "nope.yaml" in missing.output  # click names the missing file
