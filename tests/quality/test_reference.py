"""The canonical engine agrees with both peer references on the 16 feeds where they agree.

References: ../shared/data/reference/{gtfs-guru,gtfs-validator}/<feed>.json (see its README).
Each is compared at its own validation_date, by (code, severity, count).
"""

from __future__ import annotations

import json
import os
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from quality.canonical import canonical_notices

AGREEING = [
    "bart_2018-05-26", "caltrain_2017-10-02", "countyconnection_2018-08-12", "hart_2020-11-15",
    "charlotte-cats_2018-10-04",
    "tf-bad_date_format", "tf-bad_eol", "tf-bad_utf8", "tf-duplicate_stop_sequence", "tf-good_feed",
    "tf-missing_column", "tf-missing_departure_time", "tf-negative_stop_sequence", "tf-undefined_stop",
    "tf-unused_stop", "tf-utf16",
]
TOOLS = ("gtfs-guru", "gtfs-validator")


@pytest.fixture(scope="session")
def reference_dir(feeds_dir: Path) -> Path:
    path = feeds_dir.parent / "reference"
    if not (path / "gtfs-guru").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the reference outputs at {path}")
        pytest.skip(f"reference outputs not found at {path}")
    return path


@pytest.fixture(scope="session")
def flat_zips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("flat")


def _reference(reference_dir: Path, tool: str, feed: str) -> dict[str, Any]:
    return json.loads((reference_dir / tool / f"{feed}.json").read_text(encoding="utf-8"))


def _input(feed: str, reference: dict[str, Any], feeds_dir: Path, flat_zips: Path) -> Path:
    """The file the references validated; a transitfeed fixture folder is zipped flat, as they did."""
    if not feed.startswith("tf-"):
        return feeds_dir / reference["input"]
    source = feeds_dir / "errors" / "transitfeed" / feed.removeprefix("tf-")
    if not source.is_dir():
        return source.with_suffix(".zip")
    target = flat_zips / f"{feed}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(source.iterdir()):
            archive.write(member, member.name)
    return target


@pytest.mark.parametrize("feed", AGREEING)
def test_canonical_notices_match_both_references(feed: str, feeds_dir: Path, reference_dir: Path, flat_zips: Path) -> None:
    references = {tool: _reference(reference_dir, tool, feed) for tool in TOOLS}
    expected = {
        tool: {(n["code"], n["severity"], n["count"]) for n in reference["notices"]}
        for tool, reference in references.items()
    }
    assert expected["gtfs-guru"] == expected["gtfs-validator"], "the README says these references agree"
    reference = references["gtfs-guru"]
    frame = canonical_notices(
        _input(feed, reference, feeds_dir, flat_zips), date.fromisoformat(reference["validation_date"])
    )
    got = {(code, severity, int(count)) for (code, severity), count in frame.groupby(["code", "severity"]).size().items()}
    assert got == expected["gtfs-guru"]
    assert (set(frame["source"]) or {"canonical"}) == {"canonical"}
