"""A failure during `regie run` is the library's own one-line message (operator, file, key,
cause), never a Dagster stack trace; `--verbose` adds the tracebacks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from regie.cli.main import main
from regie.demo import generate_demo_region

AS_OF = date(2026, 3, 2)
REGION = """\
name: One ferry
timezone: Europe/Paris
bbox: {{min_lon: -2.2, min_lat: 43.15, max_lon: -1.3, max_lat: 43.6}}
languages: [en]
as_of: {as_of}
collection: {{retries: 0, backoff_s: 0, file_roots: ['{feeds}']}}
"""
OPERATORS = """\
operators:
  - id: ferry
    name: Ferry
    modes: [ferry]
    contact: data@ferry.example
    licence: CC-BY-4.0
    openness: open
    ridership: {{boardings: 240000, year: 2025}}
    member_from: 2024-01-01
    feeds:
      - {{id: gtfs, kind: gtfs, url: '{ferry}'}}
  - id: gone
    name: Gone
    modes: [bus]
    contact: data@gone.example
    licence: CC-BY-4.0
    openness: open
    ridership: {{boardings: 1000, year: 2025}}
    member_from: 2024-01-01
    feeds:
      - {{id: gtfs, kind: gtfs, url: '{missing}'}}
"""


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("failures")
    feeds, configs = tmp / "feeds", tmp / "configs"
    generate_demo_region(feeds, start=AS_OF, mugabus_defects=False)
    configs.mkdir()
    (configs / "region.yaml").write_text(REGION.format(as_of=AS_OF, feeds=feeds))
    (configs / "operators.yaml").write_text(OPERATORS.format(ferry=(feeds / "txingudi-ferry.zip").as_uri(),
                                                             missing=(feeds / "gone.zip").as_uri()))
    tiers = (Path(__file__).resolve().parents[2] / "configs" / "tiers.yaml").read_text(encoding="utf-8")
    (configs / "tiers.yaml").write_text(tiers.replace("{name: S2, from: 250000,", "{name: S2, from: 200000,"))
    base = ["--config-dir", str(configs), "--data-dir", str(tmp / "data")]
    result = CliRunner().invoke(main, [*base, "run"])
    return {"result": result, "base": base, "configs": configs}


def test_a_bad_tiers_file_is_one_line_naming_file_and_key(outcome):
    result = outcome["result"]
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if line.startswith("  FAILED  region outputs")]
    assert len(failed) == 1 and "tiers.yaml" in failed[0] and "S2" in failed[0], result.output
    assert "DagsterExecutionStepExecutionError" not in result.output and "Traceback" not in result.output


def test_a_failed_fetch_is_one_line_and_says_so_in_the_summary(outcome):
    output = outcome["result"].output
    failed = [line for line in output.splitlines() if line.startswith("  FAILED  gone")]
    assert len(failed) == 1 and "gone.zip" in failed[0], output
    summary = next(line for line in output.splitlines() if line.startswith("! gone"))
    assert "last fetch failed" in summary
    assert "Traceback" not in output and "dagster - ERROR" not in output


def test_verbose_adds_the_tracebacks(outcome):
    result = CliRunner().invoke(main, [*outcome["base"], "--verbose", "collect", "--operator", "gone"])
    assert result.exit_code == 1
    assert 'File "' in result.output and "collected_feeds" in result.output  # the stack, Dagster's log included
    quiet = CliRunner().invoke(main, [*outcome["base"], "collect", "--operator", "gone"])
    assert 'File "' not in quiet.output and quiet.output.count("\n") == 2  # the header and one line
