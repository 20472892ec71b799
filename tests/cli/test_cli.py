"""The `regie` command line: submit, status, collect and run on a region of real feeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from regie.cli.main import main

REGION = """\
name: Bay Area test region
timezone: America/Los_Angeles
bbox: {min_lon: -123.0, min_lat: 37.0, max_lon: -121.5, max_lat: 38.5}
languages: [en]
as_of: 2018-09-12
collection: {retries: 0, backoff_s: 0}
"""


def _operator(op_id: str, url: str, kind: str = "gtfs", openness: str = "open") -> str:
    return (f"  - id: {op_id}\n    name: {op_id}\n    modes: [rail]\n    contact: data@{op_id}.example\n"
            f"    licence: CC-BY-4.0\n    openness: {openness}\n    member_from: 2018-01-01\n"
            f"    feeds:\n      - id: {kind}\n        kind: {kind}\n        url: {url}\n")


@pytest.fixture
def region(tmp_path: Path, feeds_dir: Path) -> dict:
    """A region whose operators point at the real Bay Area feeds as file:// URLs, plus one without a URL."""
    configs = tmp_path / "configs"
    configs.mkdir()
    bay = feeds_dir / "regional_bayarea"
    # file:// URLs read only under the region's file_roots
    (configs / "region.yaml").write_text(REGION.replace("backoff_s: 0}", f"backoff_s: 0, file_roots: ['{bay}']}}"))
    operators = [_operator("bart", (bay / "bart_2018-05-26.zip").as_uri()),
                 _operator("caltrain", (bay / "caltrain_2017-10-02.zip").as_uri()),
                 _operator("handin", "file:///nonexistent/feed.zip", openness="restricted")]
    (configs / "operators.yaml").write_text("operators:\n" + "".join(operators))
    return {"configs": configs, "data": tmp_path / "data", "bay": bay, "tmp": tmp_path}


def _invoke(region: dict, *args: str):
    runner = CliRunner()
    return runner.invoke(main, ["--config-dir", str(region["configs"]), "--data-dir", str(region["data"]), *args])


def test_status_json_before_anything_was_fetched(region):
    result = _invoke(region, "status", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["as_of"] == "2018-09-12"
    assert [op["id"] for op in report["operators"]] == ["bart", "caltrain", "handin"]
    assert all(feed["latest_version"] is None for op in report["operators"] for feed in op["feeds"])


def test_submit_archives_the_file_and_status_shows_it(region):
    handed_in = region["tmp"] / "handin.zip"
    shutil.copy(region["bay"] / "caltrain_2017-10-02.zip", handed_in)
    first = _invoke(region, "submit", "handin", str(handed_in))
    assert first.exit_code == 0, first.output
    assert "operator 'handin', feed 'gtfs'" in first.output and "new_version" in first.output
    again = _invoke(region, "submit", "handin", str(handed_in))
    assert "unchanged" in again.output

    report = json.loads(_invoke(region, "status", "--json").output)
    handin = next(op for op in report["operators"] if op["id"] == "handin")
    version = handin["feeds"][0]["latest_version"]
    assert version["size_bytes"] == handed_in.stat().st_size
    assert (region["data"] / "archive" / version["archive_path"]).is_file()
    assert handin["feeds"][0]["latest_fetch"]["outcome"] == "unchanged"


def test_submit_names_what_is_wrong(region):
    missing_operator = _invoke(region, "submit", "nobody", str(region["bay"] / "bart_2018-05-26.zip"))
    assert missing_operator.exit_code == 1 and "no operator 'nobody'" in missing_operator.output
    assert "bart, caltrain, handin" in missing_operator.output


def test_collect_runs_dagster_and_reports_each_operator(region):
    result = _invoke(region, "collect", "--operator", "bart", "--operator", "handin")
    assert result.exit_code == 1, result.output  # handin's URL does not exist
    assert "ran     bart" in result.output
    assert "FAILED  handin: operator 'handin', feed 'gtfs' (file:///nonexistent/feed.zip)" in result.output
    report = json.loads(_invoke(region, "status", "--json").output)
    by_id = {op["id"]: op["feeds"][0] for op in report["operators"]}
    assert by_id["bart"]["latest_version"] and by_id["bart"]["latest_fetch"]["outcome"] == "new_version"
    assert by_id["caltrain"]["latest_fetch"] is None  # not asked for
    assert by_id["handin"]["latest_fetch"]["outcome"] == "failed"
    assert (region["data"] / "dagster").is_dir()  # runs are kept in the instance the UI reads

    text = _invoke(region, "status")
    assert text.exit_code == 0 and "bart" in text.output and "failed" in text.output


def test_a_broken_registry_is_a_clear_error(region):
    (region["configs"] / "operators.yaml").write_text("operators:\n" + _operator("bart", "ftp://x/y.zip"))
    result = _invoke(region, "run")
    assert result.exit_code == 1
    assert "operators.yaml: operator 'bart': key 'feeds[0].url'" in result.output
