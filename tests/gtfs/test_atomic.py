"""Atomic file writes (`regie.gtfs.atomic`): readers see the old file or the new one, never half."""

from __future__ import annotations

import os
import stat

import pytest

from regie.gtfs.atomic import replace_atomic, write_atomic, write_atomic_text


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "report.json"
    target.write_bytes(b"old content")

    def write(stream):
        stream.write(b"new, but only half of it")
        stream.flush()
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        replace_atomic(target, write)
    assert target.read_bytes() == b"old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_failed_first_write_leaves_nothing(tmp_path):
    def write(stream):
        stream.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replace_atomic(tmp_path / "new.bin", write)
    assert list(tmp_path.iterdir()) == []


def test_writes_replace_the_file_with_mode_0644_whatever_the_umask(tmp_path):
    target = tmp_path / "feed.zip"
    target.write_bytes(b"old")
    target.chmod(0o600)
    previous = os.umask(0o077)
    try:
        write_atomic(target, b"new bytes")
    finally:
        os.umask(previous)
    assert target.read_bytes() == b"new bytes"
    assert _mode(target) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.zip"]


def test_text_is_written_as_utf8_and_missing_folders_are_made(tmp_path):
    target = tmp_path / "a" / "b" / "page.html"
    write_atomic_text(str(target), "Gare d'Hendaye – Ontziralekua")
    assert target.read_bytes() == "Gare d'Hendaye – Ontziralekua".encode()
    assert _mode(target) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["page.html"]
