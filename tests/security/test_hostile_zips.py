"""Hostile feed files before any engine opens them: a member whose header understates its size (item 12)."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from quality.config import PrescreenLimits
from quality.prescreen import prescreen


def _understating_zip(path: Path, actual: bytes, declared: int) -> Path:
    """A zip whose only member declares `declared` bytes but inflates to `actual`."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("stop_times.txt", actual)
    data = bytearray(path.read_bytes())
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<L", data, local + 22, declared)  # local header: uncompressed size
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<L", data, central + 24, declared)  # central directory: uncompressed size
    path.write_bytes(bytes(data))
    return path


def test_a_member_inflating_past_its_declared_size_never_reaches_the_engine(tmp_path: Path) -> None:
    actual = b"trip_id,arrival_time\n" + b"t,00:00:00\n" * 1_000_000  # 11 MB, compresses ~1000 to 1
    path = _understating_zip(tmp_path / "feed.zip", actual, declared=200_000)
    info = zipfile.ZipFile(path).getinfo("stop_times.txt")
    assert info.file_size == 200_000 and info.compress_size < info.file_size  # the directory looks honest
    screen = prescreen(path, PrescreenLimits())
    assert not screen.safe
    [finding] = screen.notices[screen.notices["code"] == "zip_member_size_understated"].itertuples()
    assert finding.severity == "ERROR" and "stop_times.txt" in finding.message


def test_an_honest_zip_passes(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("stop_times.txt", b"trip_id,arrival_time\n" + b"t,00:00:00\n" * 1000)
    assert prescreen(path, PrescreenLimits()).safe
