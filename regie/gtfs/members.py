"""What a GTFS zip's members may be: safe names, operating-system junk, honest compressed sizes.
Standard library only."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


def plausible_packed_bytes(size: int) -> int:
    """The most compressed bytes an honest writer needs for `size` bytes of data (deflate's worst case is
    a few bytes per 16 KiB block): more means the header understates the data, a zip-bomb technique."""
    return size + (size >> 4) + 4096


def unsafe_member_reason(name: str) -> str | None:
    """Why extracting a member of this name could escape the target folder, or None."""
    if "\x00" in name:
        return "contains a NUL byte"
    if re.match(r"[A-Za-z]:", name):
        return "starts with a drive letter"
    if "\\" in name:
        return "contains a backslash"
    if name.startswith("/"):
        return "is an absolute path"
    if ".." in name.split("/"):
        return "climbs out of its folder with '..'"
    return None


def is_junk_member(name: str) -> bool:
    """Files that operating systems leave in archives (macOS resource forks, Finder/Explorer files)."""
    path = PurePosixPath(name)
    return path.parts[:1] == ("__MACOSX",) or path.name.startswith("._") or path.name.lower() in JUNK_NAMES
