"""`regie journey` on the Bay Area test region's graph files (as of 2018-09-12): readable legs,
JSON, the reasons when there is no journey, and exit codes (0 found, 1 none, 2 bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from regie.cli.main import main
from tests.regions import REGIONS_DIR, built_region


@pytest.fixture(scope="module")
def data_dir(feeds_dir: Path) -> Path:
    return built_region("bayarea", feeds_dir).data_dir


def _options(data_dir: Path) -> list[str]:
    return ["--config-dir", str(REGIONS_DIR / "bayarea"), "--data-dir", str(data_dir)]


def _journey(data_dir: Path, *args: str):
    return CliRunner().invoke(main, [*_options(data_dir), "journey", *args], catch_exceptions=False)


def test_millbrae_to_concord_prints_the_legs(data_dir):
    result = _journey(data_dir, "--from", "Millbrae", "--to", "Concord", "--at", "2018-09-12T08:00")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Millbrae → ") and "Concord" in lines[0] and "2018-09-12 08:00" in lines[0]
    journey = next(line for line in lines if line.startswith("Journey 1: "))
    assert "transfer" in journey
    legs = [line for line in lines if line.startswith("  ")]
    assert legs and "Millbrae" in legs[0] and legs[-1].endswith("Concord")
    assert all(line[2:7] <= line[8:13] for line in legs)  # departure before arrival, HH:MM


def test_json_is_the_api_answer(data_dir):
    result = _journey(data_dir, "--from", "Millbrae", "--to", "Concord", "--at", "2018-09-12T08:00",
                      "--max-transfers", "2", "--json")
    assert result.exit_code == 0
    answer = json.loads(result.output)
    assert answer["request"]["max_transfers"] == 2
    assert answer["journeys"][0]["transfers"] <= 2
    assert answer["journeys"][0]["legs"][-1]["to"]["name"].endswith("Concord")


def test_arrive_by_and_pareto(data_dir):
    result = _journey(data_dir, "--from", "Millbrae", "--to", "Concord", "--at", "2018-09-12T10:00", "--arrive-by",
                      "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["journeys"][0]["arrival"] <= "2018-09-12T10:00"
    pareto = _journey(data_dir, "--from", "Millbrae", "--to", "Concord", "--at", "2018-09-12T08:00", "--pareto")
    assert pareto.exit_code == 0 and "Journey 2: " in pareto.output


def test_no_journey_says_why_and_exits_1(data_dir):
    result = _journey(data_dir, "--from", "Millbrae", "--to", "Concord", "--at", "2031-05-01T08:00")
    assert result.exit_code == 1
    assert "No journey: " in result.output and "(no_service_on_date)" in result.output
    only_ferry = _journey(data_dir, "--from", "Millbrae", "--to", "Concord", "--at", "2018-09-12T08:00",
                          "--modes", "ferry")
    assert only_ferry.exit_code == 1 and "No journey: " in only_ferry.output


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "Atlantis zzz", "--to", "Concord"], "no stop matches 'Atlantis zzz'"),
    (["--from", "Millbrae", "--to", "Concord", "--at", "noon"], "parameter 'at'"),
    (["--from", "Millbrae", "--to", "Concord", "--modes", "rocket"], "unknown mode 'rocket'"),
    (["--from", "95,10", "--to", "Concord"], "latitude"),
])
def test_bad_input_exits_2_with_a_message(data_dir, args, message):
    result = CliRunner().invoke(main, [*_options(data_dir), "journey", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_without_graph_files_it_says_how_to_build_them(tmp_path):
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "journey", "--from", "a", "--to", "b"])
    assert result.exit_code == 2 and "regie run" in result.output
