"""Release notes worked out ahead of the release, so that a pipeline can compute them beside other
work (the `release_notes` asset) instead of inside the release.

`prepare_notes` diffs the open regional feed against the newest release's and keeps the answer in
`<integration dir>/open/release-notes-ahead.json` with what it was made from: the SHA-256 of both
feeds and the previous release's name. The release takes it (`notes_made_ahead`) only when all of
these still match, and works the notes out itself otherwise: a stale answer is never published.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from regie.gtfs.feed_tables import read_feed_tables
from regie.publish.release import PUBLIC_DIR, file_sha256, latest_release
from regie.publish.release_notes import ReleaseNotes, notes_from_dict, release_notes

AHEAD_FILE = "release-notes-ahead.json"
REGIONAL_ZIP = Path("gtfs") / "regional.zip"  # in a release's site


def ahead_path(regional_zip: Path) -> Path:
    return regional_zip.parent / AHEAD_FILE


def previous_feed(previous: Path | None) -> Path | None:
    """The regional feed published by the release `previous`, if it has one."""
    path = previous / PUBLIC_DIR / REGIONAL_ZIP if previous is not None else None
    return path if path is not None and path.is_file() else None


def compute_notes(regional_zip: Path, previous: Path | None, *, release: str,
                  operator_names: dict[str, str]) -> ReleaseNotes:
    """What changed in `regional_zip` since the release `previous` (None: the first release)."""
    old_zip = previous_feed(previous)
    old = read_feed_tables(old_zip) if old_zip is not None else None
    return release_notes(old, read_feed_tables(regional_zip), release=release,
                         previous=previous.name if previous else None, operator_names=operator_names)


def prepare_notes(regional_zip: Path, releases_dir: Path) -> ReleaseNotes:
    """The notes of the next release, against the newest release in `releases_dir`, kept beside
    the feed (written whole, then renamed into place)."""
    previous = latest_release(releases_dir)
    notes = compute_notes(regional_zip, previous, release="", operator_names={})
    kept = {"feed_sha256": file_sha256(regional_zip), "previous": previous.name if previous else None,
            "previous_feed_sha256": _sha256_or_none(previous_feed(previous)), "notes": notes.to_dict()}
    target = ahead_path(regional_zip)
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, target)
    return notes


def notes_made_ahead(regional_zip: Path, previous: Path | None, *, release: str,
                     operator_names: dict[str, str]) -> ReleaseNotes | None:
    """The notes `prepare_notes` kept, if they were made from this feed against this previous
    release; None otherwise (or when none were kept, or they cannot be read)."""
    path = ahead_path(regional_zip)
    try:
        kept: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if (kept["feed_sha256"] != file_sha256(regional_zip)
                or kept["previous"] != (previous.name if previous else None)
                or kept["previous_feed_sha256"] != _sha256_or_none(previous_feed(previous))):
            return None
        notes = notes_from_dict(kept["notes"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    notes.release = release
    notes.operator_names = {op: operator_names.get(op, op) for op in notes.operators}
    return notes


def _sha256_or_none(path: Path | None) -> str | None:
    return file_sha256(path) if path is not None else None
