"""`regie submit` on files that are not feeds (item 11): clean refusals, exit codes, and what happens next."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from regie.cli.main import main

REGION = """\
name: Submit test region
timezone: Europe/Paris
bbox: {min_lon: -2.2, min_lat: 43.1, max_lon: -1.3, max_lat: 43.6}
languages: [fr]
as_of: 2026-03-01
"""
OPERATORS = """\
operators:
  - id: handin
    name: Hand-in Co
    modes: [bus]
    contact: data@handin.example
    licence: CC0-1.0
    openness: open
    member_from: 2024-01-01
    feeds: [{id: gtfs, kind: gtfs, url: "file:///nowhere/handin.zip"}]
"""


@pytest.fixture
def region(tmp_path: Path) -> dict[str, Path]:
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "region.yaml").write_text(REGION)
    (configs / "operators.yaml").write_text(OPERATORS)
    return {"configs": configs, "data": tmp_path / "data", "tmp": tmp_path}


def _submit(region: dict[str, Path], file: Path | str):
    return CliRunner().invoke(main, ["--config-dir", str(region["configs"]), "--data-dir", str(region["data"]),
                                     "submit", "handin", str(file)])


def test_a_device_is_refused_cleanly(region: dict[str, Path]) -> None:
    result = _submit(region, "/dev/zero")
    assert result.exit_code == 1
    assert "not a regular file" in result.output and "Traceback" not in result.output


def test_a_fifo_is_refused_without_blocking(region: dict[str, Path]) -> None:
    fifo = region["tmp"] / "feed.zip"
    os.mkfifo(fifo)
    result = _submit(region, fifo)
    assert result.exit_code == 1 and "not a regular file" in result.output


def test_a_file_that_is_not_a_zip_exits_non_zero_and_says_what_happens_next(region: dict[str, Path]) -> None:
    text = region["tmp"] / "feed.zip"
    text.write_text("agency_id,agency_name\n")
    result = _submit(region, text)
    assert result.exit_code == 1
    assert "cannot be used: not a readable zip" in result.output
    assert "keeps serving the operator's last accepted version" in result.output


def test_a_zip_bomb_is_not_inflated_to_be_hashed(region: dict[str, Path]) -> None:
    bomb = region["tmp"] / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("stop_times.txt", b"\0" * (20 << 20))
    result = _submit(region, bomb)
    assert result.exit_code == 1
    assert "pre-screen: member 'stop_times.txt' compresses" in result.output
    [archived] = list((region["data"] / "archive" / "handin" / "gtfs").iterdir())
    assert archived.suffix == ".bin"  # identified by its raw bytes: its members were never inflated


def test_a_good_zip_is_archived_with_exit_zero(region: dict[str, Path]) -> None:
    good = region["tmp"] / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\na,A,https://a.example,Europe/Paris\n")
    result = _submit(region, good)
    assert result.exit_code == 0 and "new_version" in result.output
