"""Read a GTFS feed's tables as all-string DataFrames, robustly, for our own rules and suites.

Run only after the pre-screen passed (it bounds member count and inflated size). Decoding
follows the BOM (UTF-8, UTF-16) else tries UTF-8, then cp1252; ragged rows are skipped and
reported. Every frame gets a `_row` column: the CSV record number, header = 1 (MobilityData's
csvRowNumber), so findings name the row. A member is never inflated past its declared size: one whose
data does not match its header is reported unreadable, not read.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from zlib_ng import zlib_ng

from regie.gtfs.members import plausible_packed_bytes

ROW = "_row"
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError)


@dataclass
class TableProblem:
    file: str
    kind: str  # "encoding" | "ragged_rows" | "unreadable"
    detail: str
    rows: list[int] = field(default_factory=list)


class TableLookup(Protocol):
    """What tables are read from by name ("stops"), None when absent: `FeedTables`, or any
    mapping of names to frames."""

    def get(self, name: str, /) -> pd.DataFrame | None: ...


@dataclass
class FeedTables:
    """The feed's `.txt` tables at the zip root, by name without extension ("stops")."""

    path: Path
    members: list[str]
    tables: dict[str, pd.DataFrame]
    encodings: dict[str, str]
    problems: list[TableProblem]

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def has(self, name: str) -> bool:
        frame = self.tables.get(name)
        return frame is not None and len(frame) > 0

    def row_counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.tables.items()}


def decode(raw: bytes) -> tuple[str, str]:
    """Text and the encoding used: BOM first, then UTF-16 without BOM (NUL bytes in every other
    position), then UTF-8, then cp1252 (never fails)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace"), encoding
    if b"\x00" in raw[:4096]:  # UTF-16 without a BOM: ASCII text has a NUL in every other byte
        sample = raw[:4096]
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        if max(odd, even) > len(sample) // 4:
            encoding = "utf-16-le" if odd > even else "utf-16-be"
            return raw.decode(encoding, errors="replace"), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


JEMALLOC_DECAY_MS = 1000


@contextlib.contextmanager
def lean_memory_pool() -> Iterator[str]:
    """pyarrow allocates from jemalloc, when it has it, while the block runs; the host process's
    default pool is restored afterwards. jemalloc hands freed memory back, where mimalloc (the
    default) keeps ~60-90 MiB more resident while a large feed is validated. With a 1 s decay
    rather than none, freed pages are reused instead of faulted in again: on HART ~5 % faster for
    ~20 MiB more at the peak, and ~50 MiB stays with the pool between validations (the next one
    reuses it). Yields the backend."""
    previous = pa.default_memory_pool()
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.jemalloc_set_decay_ms(JEMALLOC_DECAY_MS)  # jemalloc serves pyarrow only while validating
    except (NotImplementedError, pa.ArrowNotImplementedError):
        pass
    try:
        yield pa.default_memory_pool().backend_name
    finally:
        pa.set_memory_pool(previous)


def parse_csv(text: str, file: str) -> tuple[pd.DataFrame, TableProblem | None]:
    """All columns as strings, header names trimmed, `_row` added (text already decoded)."""
    return parse_csv_bytes(text.replace("\x00", "").encode("utf-8"), file)


def parse_csv_bytes(data: bytes, file: str) -> tuple[pd.DataFrame, TableProblem | None]:
    """Parse UTF-8 CSV bytes: all columns as strings, header names trimmed, `_row` added.

    Fast path: pyarrow straight from the bytes (raises ArrowInvalid on bytes that are not UTF-8).
    When rows have the wrong number of fields (common in real feeds that drop trailing empty
    fields), fall back to the csv module: short rows are padded with empty values, long rows cut
    to the header, and the rows are reported.
    """
    if not data or data.isspace():  # (strip() would copy the whole member)
        return pd.DataFrame({ROW: pd.Series([], dtype="int64")}), None
    first_line = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", errors="replace")
    names = [name.strip() for name in next(csv.reader([first_line]), [])]
    if not names or names == [""]:
        raise ValueError("no header row")
    ragged = False

    def on_invalid(_row: pacsv.InvalidRow) -> str:
        nonlocal ragged
        ragged = True
        return "skip"

    try:
        table = _read_arrow(data, names, on_invalid, _BLOCK_BYTES)
    except pa.ArrowInvalid as exc:
        if "straddl" not in str(exc):
            raise
        # a row longer than a block: "straddling object straddles two block boundaries"
        line, length = _longest_line(data)
        if length > MAX_ROW_BYTES:
            raise RowTooLong(line, f"line {line} is {length:,} bytes long, more than the {MAX_ROW_BYTES:,} bytes "
                             "a GTFS row may have: the table is not read") from None
        table = _read_arrow(data, names, on_invalid, 2 * length + _BLOCK_BYTES)
    if ragged:
        return _parse_ragged(data.decode("utf-8", errors="replace"), names, file)
    frame = table.to_pandas()
    frame.columns = names
    frame[ROW] = range(2, len(frame) + 2)
    return frame, None


def _read_arrow(data: bytes, names: list[str], on_invalid: Callable[[pacsv.InvalidRow], str],
                block_size: int) -> pa.Table:
    return pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=block_size),
        # a line break can be part of a value only inside quotes: without any quote, splitting at
        # every line break (the faster parser) is exact
        parse_options=pacsv.ParseOptions(newlines_in_values=b'"' in data, invalid_row_handler=on_invalid),
        # large_string: what pandas' string columns hold, so to_pandas does not copy every
        # column's offsets (~20 ms on HART's stop_times)
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.large_string() for name in names}, strings_can_be_null=False
        ),
    )


class RowTooLong(ValueError):
    """A line too long to be a row: the table cannot be read. `row` is its line number."""

    def __init__(self, row: int, message: str):
        super().__init__(message)
        self.row = row


MAX_ROW_BYTES = 16 << 20
"""A longer line is no GTFS row (a 200 MB line is an attack or a broken export): its table is unreadable."""
_BLOCK_BYTES = 1 << 20  # pyarrow's default


def _longest_line(data: bytes, window: int = 16 << 20) -> tuple[int, int]:
    """(line number, bytes) of the longest line, line 1 being the header; scanned a window at a time."""
    view = np.frombuffer(data, dtype=np.uint8)
    best_line, best_length, line, start = 1, 0, 1, 0
    for offset in range(0, len(view) + 1, window):
        ends = offset + np.flatnonzero(view[offset:offset + window] == 0x0A)
        if offset + window >= len(view):
            ends = np.append(ends, len(view))
        if not len(ends):
            continue
        lengths = np.diff(np.concatenate(([start - 1], ends))) - 1
        index = int(np.argmax(lengths))
        if lengths[index] > best_length:
            best_line, best_length = line + index, int(lengths[index])
        line, start = line + len(ends), int(ends[-1]) + 1
    return best_line, best_length


def parse_member(raw: bytes, file: str) -> tuple[pd.DataFrame, TableProblem | None, str]:
    """Frame, problem and encoding of one member. UTF-8 (with or without BOM) goes straight to
    pyarrow; anything else (UTF-16, cp1252, NUL bytes) is decoded first."""
    utf8_bom = raw.startswith(codecs.BOM_UTF8)
    data = raw[len(codecs.BOM_UTF8):] if utf8_bom else raw
    if not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" not in data:
        try:
            return (*parse_csv_bytes(data, file), "utf-8-sig" if utf8_bom else "utf-8")
        except UnicodeDecodeError:
            pass  # raised by pyarrow's invalid-row handler: a ragged row that is not UTF-8 either
        except pa.ArrowInvalid as exc:
            if "utf8" not in str(exc).lower():
                raise
    text, encoding = decode(raw)
    return (*parse_csv(text, file), encoding)


def _parse_ragged(text: str, names: list[str], file: str) -> tuple[pd.DataFrame, TableProblem]:
    width = len(names)
    rows: list[list[str]] = []
    odd: list[int] = []
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    for number, record in enumerate(reader, start=2):
        if not record:
            continue
        if len(record) != width:
            odd.append(number)
            record = (record + [""] * width)[:width]
        rows.append(record)
    frame = pd.DataFrame(rows, columns=names, dtype="str") if rows else pd.DataFrame(columns=names, dtype="str")
    frame[ROW] = range(2, len(frame) + 2)
    detail = f"{len(odd)} rows with a number of fields other than the header's {width} (padded or cut)"
    return frame, TableProblem(file, "ragged_rows", detail, odd)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, inflating at most its declared size + 1 byte.

    Raises ValueError when the data is larger than its header declares or does not match its checksum
    (a lying header is a zip-bomb technique), or is neither stored nor deflated (zipfile inflates
    bzip2/lzma without a bound).
    """
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValueError(f"compression method {info.compress_type} is not 'stored' or 'deflate'")
    if info.compress_size > plausible_packed_bytes(info.file_size) + 12:
        raise ValueError(f"its data is larger than the {info.file_size} bytes its zip header declares")
    if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1:
        return _inflated(archive, info)
    try:
        with archive.open(info) as stream:
            raw = stream.read(info.file_size + 1)  # zipfile stops at the declared size; the CRC then fails
    except zipfile.BadZipFile as exc:
        raise ValueError(f"its data does not match its zip header ({exc})") from exc
    if len(raw) > info.file_size:
        raise ValueError(f"its data is larger than the {info.file_size} bytes its zip header declares")
    return raw


def _inflated(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A deflated member inflated with zlib-ng (~40 % less time than zipfile's zlib), at most its
    declared size + 1 byte, its size and CRC checked as zipfile checks them."""
    fp = archive.fp
    if fp is None:
        raise ValueError("the zip is closed")
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != b"PK\003\004":
        raise ValueError("its local header is missing")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_length + extra_length)
    packed = fp.read(info.compress_size)
    inflater = zlib_ng.decompressobj(-15)
    try:
        raw = inflater.decompress(packed, info.file_size + 1)
    except zlib_ng.error as exc:  # type: ignore[misc]  # zlib_ng's stub declares `error` an instance, not a class
        raise ValueError(f"its data does not match its zip header ({exc})") from exc
    if len(raw) > info.file_size or inflater.unconsumed_tail:
        raise ValueError(f"its data does not match its zip header (more than the {info.file_size} bytes it declares)")
    if len(raw) != info.file_size or zlib_ng.crc32(raw) != info.CRC:
        raise ValueError(f"its data does not match its zip header (bad CRC-32 or size for {info.filename})")
    return raw


_UTF16_PROBLEMS = {
    "utf-16": "encoded in UTF-16 (with a byte-order mark), not UTF-8 as GTFS requires; read as UTF-16",
    "utf-16-le": ("encoded in UTF-16 little-endian without a byte-order mark (a NUL byte after every ASCII "
                  "character), not UTF-8 as GTFS requires; other validators see garbled column names. Read as UTF-16LE"),
    "utf-16-be": ("encoded in UTF-16 big-endian without a byte-order mark (a NUL byte before every ASCII "
                  "character), not UTF-8 as GTFS requires; other validators see garbled column names. Read as UTF-16BE"),
}


def read_feed_tables(path: Path) -> FeedTables:
    """Read every root-level `.txt` of a zip (or a folder of .txt files)."""
    raw_members: dict[str, bytes] = {}
    problems: list[TableProblem] = []
    if path.is_dir():
        members = sorted(p.name for p in path.iterdir() if p.is_file())
        raw_members = {name: (path / name).read_bytes() for name in members if name.endswith(".txt")}
    else:
        with zipfile.ZipFile(path) as archive:
            members = [info.filename for info in archive.infolist() if not info.is_dir()]
            for info in archive.infolist():
                name = PurePosixPath(info.filename)
                if info.is_dir() or len(name.parts) != 1 or name.suffix != ".txt" or name.name.startswith("._"):
                    continue
                try:
                    raw_members[name.name] = _read_member(archive, info)
                except _READ_ERRORS as exc:
                    problems.append(TableProblem(name.name, "unreadable", f"not read from the zip: {exc}"))
    tables: dict[str, pd.DataFrame] = {}
    encodings: dict[str, str] = {}
    for file in sorted(raw_members):
        raw = raw_members.pop(file)  # parse one member at a time, and let its bytes go
        try:
            frame, problem, encoding = parse_member(raw, file)
        except (pa.ArrowInvalid, ValueError) as exc:
            problems.append(TableProblem(file, "unreadable", str(exc), [exc.row] if isinstance(exc, RowTooLong) else []))
            continue
        encodings[file] = encoding
        if encoding == "cp1252":
            problems.append(TableProblem(file, "encoding", "not UTF-8; read as cp1252"))
        elif encoding.startswith("utf-16"):
            problems.append(TableProblem(file, "encoding", _UTF16_PROBLEMS.get(encoding, _UTF16_PROBLEMS["utf-16"])))
        if problem:
            problems.append(problem)
        tables[file.removesuffix(".txt")] = frame
    return FeedTables(path=path, members=members, tables=tables, encodings=encodings, problems=problems)
