"""Screen a downloaded or handed-in zip from its central directory before its members are hashed:
a zip bomb is identified by its raw bytes instead of being inflated (the quality gate's pre-screen
then reports it). Reading the directory inflates nothing."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

TINY_MEMBER_BYTES = 64 << 10  # below this a high compression ratio is harmless


@dataclass(frozen=True)
class ZipLimits:
    """The same limits as quality.yaml's `prescreen` (its defaults here)."""

    max_members: int = 500
    max_uncompressed_bytes: int = 1 << 30
    max_compression_ratio: float = 100.0


def zip_screen_problem(path: Path, limits: ZipLimits) -> str | None:
    """Why the members of the zip at `path` must not be inflated, or None (also None when it is
    not a zip at all: identification reports that)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    if len(members) > limits.max_members:
        return f"pre-screen: {len(members)} members, more than {limits.max_members}"
    declared = sum(info.file_size for info in members)
    if declared > limits.max_uncompressed_bytes:
        return f"pre-screen: members declare {declared} bytes uncompressed, more than {limits.max_uncompressed_bytes}"
    for info in members:
        if info.file_size > TINY_MEMBER_BYTES and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            return (f"pre-screen: member {info.filename!r} compresses {ratio:.0f} to 1, "
                    f"more than {limits.max_compression_ratio:g} (a zip bomb?)")
    return None
