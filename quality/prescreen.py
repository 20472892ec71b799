"""The pre-screen: inspect a feed file's headers before anything inflates or reads it.

Hostile or broken input (missing, empty, not a zip, encrypted, path-traversal names, zip bombs)
is caught from the zip's directory first, without inflating anything; only a zip within the limits
is then inflated once, each member at most to its declared size (output discarded), to catch
headers that understate their data. A folder of .txt files is a valid input too.
`safe` is False exactly when an ERROR was found: then no engine may open the file.
"""

from __future__ import annotations

import os
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import pandas as pd

from quality.config import PrescreenLimits
from quality.notices import Severity, Source, notice, notices_frame
from regie.gtfs.members import is_junk_member, plausible_packed_bytes, unsafe_member_reason

_CHUNK_BYTES = 1 << 20
TINY_MEMBER_BYTES = 64 << 10  # below this, a high compression ratio is harmless (an almost empty table)
_ENTRY_BYTES_BOUND = 2048  # a central directory entry is 46 bytes + name + extras: this allows long ones
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP_ERRORS = (
    zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError, struct.error,
)


@dataclass(frozen=True, eq=False)
class Prescreen:
    """notices: a notice frame (source "prescreen"); safe: whether the engines may open the file."""

    notices: pd.DataFrame
    safe: bool


class _Member(NamedTuple):
    name: str  # as stored: "/"-separated, unsanitised
    size: int  # declared uncompressed bytes
    packed: int | None  # compressed bytes (None in a folder)
    encrypted: bool = False
    is_dir: bool = False
    method: int = zipfile.ZIP_STORED


def prescreen(path: Path, limits: PrescreenLimits) -> Prescreen:
    """Inspect the zip (or folder) at `path` without extracting anything."""
    found = _screen(Path(path), limits)
    return Prescreen(notices=notices_frame(found), safe=records_safe(found))


def prescreen_records(path: Path, limits: PrescreenLimits) -> list[dict[str, Any]]:
    """The pre-screen's findings as notice records, without pandas (for a start before it loads)."""
    return _screen(Path(path), limits)


def records_safe(records: list[dict[str, Any]]) -> bool:
    """Whether the engines may open the file: no ERROR among the pre-screen's records."""
    return not any(record["severity"] == Severity.ERROR.value for record in records)


def _note(code: str, severity: Severity, message: str, **context: Any) -> dict[str, Any]:
    return notice(code, severity, Source.PRESCREEN, message, **context)


def _screen(path: Path, limits: PrescreenLimits) -> list[dict[str, Any]]:
    name = path.name
    if not path.exists():
        return [_note("feed_file_missing", Severity.ERROR, f"The feed file {name} does not exist.", path=str(path))]
    if path.is_dir():
        return _screen_folder(path, limits)
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        return [_invalid(name, "it is not a regular file")]
    if info.st_size == 0:
        return [_note("feed_file_empty", Severity.ERROR, f"The feed file {name} is empty (0 bytes).")]
    try:
        entries, directory_bytes = _directory_extent(path, info.st_size)
    except _ZIP_ERRORS as exc:
        return [_invalid(name, str(exc) or type(exc).__name__)]
    if entries > limits.max_members or directory_bytes > limits.max_members * _ENTRY_BYTES_BOUND:
        return [_too_many(name, entries, limits, directory_bytes)]
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                _Member(i.orig_filename, i.file_size, i.compress_size, bool(i.flag_bits & 0x1), i.is_dir(),
                        i.compress_type)
                for i in archive.infolist()
            ]
    except _ZIP_ERRORS as exc:
        return [_invalid(name, str(exc) or type(exc).__name__)]
    if all(member.is_dir for member in members):
        return [_note("feed_file_empty", Severity.ERROR, f"The zip archive {name} contains no files.")]
    found = _screen_members(name, members, limits, archive_bytes=info.st_size)
    if records_safe(found):  # the declared sizes are within the limits: check the data keeps to them
        found += _understated_members(path, name)
    return found


def _understated_members(path: Path, name: str) -> list[dict[str, Any]]:
    """Deflated members whose data inflates past the size their header declares (a zip-bomb
    technique that the directory alone cannot show). Each is inflated once, at most to its
    declared size + 1 byte, and the output is thrown away as it comes."""
    found = []
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
                    continue
                if _inflates_past(archive, info):
                    found.append(_note(
                        "zip_member_size_understated", Severity.ERROR,
                        f"In {name}, the member {info.filename} inflates to more than the {info.file_size:,} bytes "
                        "its zip header declares, a zip-bomb technique: the feed is not opened.",
                        member=info.filename, declared_bytes=info.file_size,
                    ))
    except _ZIP_ERRORS as exc:
        return [_invalid(name, str(exc) or type(exc).__name__)]
    return found


def _inflates_past(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    fp = archive.fp
    if fp is None:
        raise ValueError("the zip is closed")
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != b"PK\003\004":
        raise zipfile.BadZipFile(f"the local header of {info.filename} is missing")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_length + extra_length)
    inflater, produced, left = zlib.decompressobj(-15), 0, info.compress_size
    try:
        while left > 0 and not inflater.eof:
            data = fp.read(min(_CHUNK_BYTES, left))
            if not data:
                return False
            left -= len(data)
            while data:
                produced += len(inflater.decompress(data, _CHUNK_BYTES))
                if produced > info.file_size:
                    return True
                data = inflater.unconsumed_tail
    except zlib.error:  # corrupt data: the reader reports it
        return False
    return False


def _directory_extent(path: Path, size: int) -> tuple[int, int]:
    """(member count, central directory bytes) as the end-of-central-directory record declares."""
    with open(path, "rb") as stream:
        tail_start = max(0, size - _EOCD.size - 0xFFFF)
        stream.seek(tail_start)
        tail = stream.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + _EOCD.size > len(tail):
            raise zipfile.BadZipFile("it has no zip directory")
        entries, directory_bytes = _EOCD.unpack_from(tail, at)[4:6]
        locator_at = tail_start + at - _ZIP64_LOCATOR.size
        if (entries == 0xFFFF or directory_bytes == 0xFFFFFFFF) and locator_at >= 0:
            stream.seek(locator_at)
            signature, _, record_at, _ = _ZIP64_LOCATOR.unpack(stream.read(_ZIP64_LOCATOR.size))
            if signature == b"PK\x06\x07":
                stream.seek(record_at)
                record = stream.read(_ZIP64_EOCD.size)
                if len(record) == _ZIP64_EOCD.size and record[:4] == b"PK\x06\x06":
                    entries, directory_bytes = _ZIP64_EOCD.unpack(record)[7:9]
    return entries, directory_bytes


def _screen_folder(root: Path, limits: PrescreenLimits) -> list[dict[str, Any]]:
    """A folder of .txt files: no links out of it, no devices or pipes, and the same limits."""
    root = root.resolve()
    found: list[dict[str, Any]] = []
    members: list[_Member] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        for entry in sorted(dirs) + sorted(files):
            full = Path(folder) / entry
            relative = full.relative_to(root).as_posix()
            if full.is_symlink() and _escapes(full, root):
                found.append(_note(
                    "folder_unsafe_entry", Severity.ERROR,
                    f"The feed folder {root.name} contains {relative}, a link to a file outside the folder.",
                    member=relative, target=os.readlink(full),
                ))
                continue
            mode = full.stat().st_mode if full.exists() else 0
            if entry in files and not stat.S_ISREG(mode):
                found.append(_note(
                    "folder_unsafe_entry", Severity.ERROR,
                    f"The feed folder {root.name} contains {relative}, which is not a regular file.",
                    member=relative,
                ))
                continue
            members.append(_Member(relative, full.stat().st_size if entry in files else 0, None, is_dir=entry in dirs))
            if len(members) > limits.max_members:
                return [*found, _too_many(root.name, len(members), limits, at_least=True)]
    if not any(not m.is_dir for m in members) and not found:
        return [_note("feed_file_empty", Severity.ERROR, f"The feed folder {root.name} contains no files.")]
    return found + _screen_members(root.name, members, limits, archive_bytes=None)


def _escapes(link: Path, root: Path) -> bool:
    try:
        return not link.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links
        return True


def _screen_members(
    name: str, members: list[_Member], limits: PrescreenLimits, *, archive_bytes: int | None
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if len(members) > limits.max_members:
        found.append(_too_many(name, len(members), limits))
    files = [m for m in members if not m.is_dir]
    for member in members:
        if reason := unsafe_member_reason(member.name):
            found.append(_note(
                "zip_unsafe_member_name", Severity.ERROR,
                f"{name} contains a member named {member.name!r}, which {reason}: it could be written "
                "outside the folder it is extracted to.",
                member=member.name, reason=reason,
            ))
        if problem := _header_problem(member):
            found.append(_invalid(name, f"the member {member.name} {problem}", member=member.name))
        if member.encrypted:
            found.append(_note(
                "zip_member_encrypted", Severity.ERROR,
                f"{name} contains the encrypted member {member.name}: a feed must not be password-protected.",
                member=member.name,
            ))
    total = sum(m.size for m in files)
    if total > limits.max_uncompressed_bytes:
        found.append(_note(
            "zip_uncompressed_size_too_large", Severity.ERROR,
            f"{name} would inflate to {_bytes(total)}, more than the limit of {_bytes(limits.max_uncompressed_bytes)}.",
            uncompressed_bytes=total, limit=limits.max_uncompressed_bytes,
        ))
    if archive_bytes is not None:
        found += _ratio_notices(name, files, total, archive_bytes, limits.max_compression_ratio)
    for member in files:
        if is_junk_member(member.name):
            found.append(_note(
                "junk_member", Severity.WARNING,
                f"{name} contains {member.name}, a file left by an operating system, not part of the feed; "
                "it is ignored.", member=member.name,
            ))
    if subfolder := _subfolder_with_feed(files):
        found.append(_note(
            "feed_in_subfolder", Severity.WARNING,
            f"{name} has no .txt file at its root but has some in the folder {subfolder}/: "
            "the feed's files must be at the root of the zip.", folder=subfolder,
        ))
    return found


def _ratio_notices(
    name: str, files: list[_Member], total: int, archive_bytes: int, limit: float
) -> list[dict[str, Any]]:
    """Members and the whole archive inflating suspiciously well (the whole is measured against the
    file's own size, which also catches bombs whose members overlap in the file)."""
    found = []
    for member in files:
        ratio = member.size / max(member.packed or 0, 1)
        if member.size >= TINY_MEMBER_BYTES and ratio > limit:
            found.append(_note(
                "zip_compression_ratio_too_high", Severity.ERROR,
                f"In {name}, the member {member.name} would inflate {ratio:,.0f} times its compressed size "
                f"(limit {limit:g}), a sign of a zip bomb.",
                member=member.name, ratio=round(ratio, 1), limit=limit,
            ))
    ratio = total / max(archive_bytes, 1)
    if total >= TINY_MEMBER_BYTES and ratio > limit:
        found.append(_note(
            "zip_compression_ratio_too_high", Severity.ERROR,
            f"{name} would inflate to {ratio:,.0f} times its own size ({_bytes(total)} from {_bytes(archive_bytes)}; "
            f"limit {limit:g}), a sign of a zip bomb.",
            member=None, ratio=round(ratio, 1), limit=limit,
        ))
    return found




def _header_problem(member: _Member) -> str | None:
    if member.packed is None or member.is_dir:
        return None
    if member.method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return f"uses compression method {member.method}; a GTFS zip may only use 'stored' or 'deflate'"
    if member.packed > plausible_packed_bytes(member.size) + 12 * member.encrypted:
        return (f"declares {member.size:,} bytes of data but holds {member.packed:,} compressed bytes: "
                "its header understates its size")
    return None






def _subfolder_with_feed(files: list[_Member]) -> str | None:
    tables = [m.name for m in files if m.name.lower().endswith(".txt") and not is_junk_member(m.name)]
    if not tables or any("/" not in table for table in tables):
        return None
    return min(tables, key=lambda t: (t.count("/"), t)).rsplit("/", 1)[0]


def _invalid(name: str, reason: str, **context: Any) -> dict[str, Any]:
    return _note(
        "invalid_zip_file", Severity.ERROR, f"{name} is not a readable zip archive: {reason}.", reason=reason, **context
    )


def _too_many(
    name: str, count: int, limits: PrescreenLimits, directory_bytes: int = 0, *, at_least: bool = False
) -> dict[str, Any]:
    limit = limits.max_members
    if at_least:
        message = f"The feed folder {name} has more than {limit} files and folders, the limit."
    elif count > limit or not directory_bytes:
        message = f"{name} has {count:,} members, more than the limit of {limit}."
    else:
        message = (f"{name} has a zip directory of {_bytes(directory_bytes)}, "
                   f"too large for the limit of {limit} members.")
    return _note("zip_too_many_members", Severity.ERROR, message, members=count, limit=limit)


def _bytes(count: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count} bytes"
