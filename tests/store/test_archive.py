"""Content identity of feed versions and the content-addressed archive."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from regie.store.archive import Archive, identify, zip_content_hash

MEMBERS = {"agency.txt": b"agency_id,agency_name\n1,A\n", "stops.txt": b"stop_id,stop_name\ns1,Gare\n"}


def _zip(path: Path, members: dict[str, bytes], *, reverse: bool = False, level: int = 6, date=(2020, 1, 1, 0, 0, 0)) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name in sorted(members, reverse=reverse):
            info = zipfile.ZipInfo(name, date_time=date)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name])
    return path


def test_rezipping_the_same_files_keeps_the_content_hash(tmp_path):
    first = identify(_zip(tmp_path / "a.zip", MEMBERS))
    again = identify(_zip(tmp_path / "b.zip", MEMBERS, reverse=True, level=9, date=(2024, 5, 6, 7, 8, 10)))
    assert first.is_zip and first.members == 2
    assert first.content_hash == again.content_hash
    assert first.raw_sha256 != again.raw_sha256  # the raw bytes differ, and are kept too


def test_a_changed_or_renamed_member_is_a_new_content_hash(tmp_path):
    base = identify(_zip(tmp_path / "a.zip", MEMBERS)).content_hash
    changed = identify(_zip(tmp_path / "b.zip", {**MEMBERS, "stops.txt": b"stop_id,stop_name\ns1,Gare SNCF\n"}))
    renamed = identify(_zip(tmp_path / "c.zip", {"gtfs/" + k: v for k, v in MEMBERS.items()}))
    assert len({base, changed.content_hash, renamed.content_hash}) == 3


def test_a_file_that_is_not_a_zip_is_identified_by_its_bytes(tmp_path):
    page = tmp_path / "feed.zip"
    page.write_bytes(b"<html>maintenance</html>")
    identity = identify(page)
    assert not identity.is_zip and identity.problem
    assert identity.content_hash == identity.raw_sha256


def test_hashing_stops_at_the_inflation_limit(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("stop_times.txt", b"0" * (8 << 20))
    assert bomb.stat().st_size < 100_000
    try:
        zip_content_hash(bomb, limit=1 << 20)
    except ValueError as exc:
        assert "inflate" in str(exc)
    else:
        raise AssertionError("a zip inflating past the limit must not be hashed to the end")


def test_store_is_content_addressed_atomic_and_read_only(tmp_path):
    archive = Archive(tmp_path / "archive")
    source = archive.incoming_dir() / "download.part"
    source.write_bytes(b"PK zip bytes")
    stored = archive.store(source, "rail", "gtfs", "abc123")
    assert stored == tmp_path / "archive" / "rail" / "gtfs" / "abc123.zip"
    assert stored.read_bytes() == b"PK zip bytes" and not source.exists()
    assert not stat.S_IMODE(os.stat(stored).st_mode) & 0o222
    assert archive.relative(stored) == "rail/gtfs/abc123.zip"
    assert [p.name for p in stored.parent.iterdir()] == ["abc123.zip"]  # no temporary left behind

    duplicate = archive.incoming_dir() / "again.part"
    duplicate.write_bytes(b"other bytes, same claimed hash")
    assert archive.store(duplicate, "rail", "gtfs", "abc123") == stored
    assert stored.read_bytes() == b"PK zip bytes"  # an archived version is never overwritten
