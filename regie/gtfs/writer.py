"""Deterministic GTFS zip writer: same tables -> same bytes.

Members are sorted by name, stamped 1980-01-01 00:00:00 with mode 0644 and deflated at a fixed
level with zlib-ng (zlib's format and API, several times faster than zlib at the same size); CSV
uses '\n' line endings, GTFS column order, minimal quoting, coordinates with six decimals and other
floats with `FLOAT_DECIMALS`. The archive is written to a temporary file in the
target folder and moved into place with `os.replace`, so readers never see half a zip.

Large tables are streamed: CSV is rendered CSV_BATCH_ROWS rows at a time (pyarrow kernels on the
columns' Arrow data) and deflated in DEFLATE_BLOCK-byte blocks on a thread pool, each block primed
with the 32 KiB before it and ending on a byte boundary, so the blocks concatenate into one
deflate stream (pigz's scheme). Memory stays bounded by a batch and the blocks in flight; the
bytes depend only on the tables (a member of one block is exactly zlib-ng's stream). The zip
structure (local headers, central directory, ZIP64 fields past 2 GiB as zipfile writes them) is
written here, since zipfile cannot take already-deflated data.
"""

from __future__ import annotations

import io
import os
import struct
import threading
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from zlib_ng import zlib_ng

from regie.gtfs.atomic import replace_atomic
from regie.gtfs.compact import categories_text, dictionary_array

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o644 << 16
# zlib-ng's 5: on the Bay Area + HART + CATS regional CSV 1 % smaller than zlib's 6 in 30 % of its
# CPU time (zlib-ng's 6: 0.3 % smaller again for 50 % more time; its 3: 8 % larger)
COMPRESS_LEVEL = 5
COORD_DECIMALS = 6
FLOAT_DECIMALS = 1
CSV_BATCH_ROWS = 65_536  # rows rendered to CSV at a time
DEFLATE_BLOCK = 1 << 20  # bytes of CSV per deflate block (blocks are compressed in parallel)

# GTFS column order per table (spec order); unknown columns follow in alphabetical order
COLUMN_ORDER: dict[str, tuple[str, ...]] = {
    "agency": ("agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang",
               "agency_phone", "agency_fare_url", "agency_email"),
    "stops": ("stop_id", "stop_code", "stop_name", "tts_stop_name", "stop_desc", "stop_lat",
              "stop_lon", "zone_id", "stop_url", "location_type", "parent_station",
              "stop_timezone", "wheelchair_boarding", "level_id", "platform_code"),
    "routes": ("route_id", "agency_id", "route_short_name", "route_long_name", "route_desc",
               "route_type", "route_url", "route_color", "route_text_color", "route_sort_order"),
    "trips": ("route_id", "service_id", "trip_id", "trip_headsign", "trip_short_name",
              "direction_id", "block_id", "shape_id", "wheelchair_accessible", "bikes_allowed"),
    "stop_times": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence",
                   "stop_headsign", "pickup_type", "drop_off_type", "timepoint",
                   "shape_dist_traveled"),
    "calendar": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                 "saturday", "sunday", "start_date", "end_date"),
    "calendar_dates": ("service_id", "date", "exception_type"),
    "shapes": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence",
               "shape_dist_traveled"),
    "feed_info": ("feed_publisher_name", "feed_publisher_url", "feed_lang", "default_lang",
                  "feed_start_date", "feed_end_date", "feed_version", "feed_contact_email",
                  "feed_contact_url"),
    "translations": ("table_name", "field_name", "language", "translation", "record_id",
                     "record_sub_id", "field_value"),
}

Table = pd.DataFrame | list[dict] | bytes | str  # or TableParts (below)


def ordered_columns(table: str, columns: list[str]) -> list[str]:
    """`columns` in GTFS spec order for `table`, unknown ones after, alphabetically."""
    spec = COLUMN_ORDER.get(table, ())
    known = [c for c in spec if c in columns]
    return known + sorted(c for c in columns if c not in spec)


def _fixed(values: np.ndarray, decimals: int) -> pa.Array:
    """Floats -> fixed-decimal strings ('-1.783100'), NaN -> null, vectorised with pyarrow."""
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    scaled = np.round(np.where(missing, 0.0, values) * 10**decimals).astype(np.int64)
    sign = np.where(scaled < 0, "-", "")
    whole, frac = np.divmod(np.abs(scaled), 10**decimals)
    text = pc.binary_join_element_wise(
        pa.array(sign), pc.cast(pa.array(whole), pa.string()), "",
    )
    if decimals:
        frac_text = pc.utf8_lpad(pc.cast(pa.array(frac), pa.string()), decimals, padding="0")
        text = pc.binary_join_element_wise(text, frac_text, ".")
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)


def _text_chunks(name: str, series: pd.Series) -> pa.ChunkedArray:
    """One column as strings before quoting (large_string, or a large_string dictionary for a
    categorical, decoded batch by batch; nulls kept): floats with fixed decimals, integers and
    booleans as numbers, text zero-copy when it already is Arrow text."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return pa.chunked_array([dictionary_array(series)])
    if pd.api.types.is_float_dtype(series.dtype):
        lat_lon = name.endswith(("_lat", "_lon"))
        arr = _fixed(series.to_numpy(dtype=float, na_value=np.nan), COORD_DECIMALS if lat_lon else FLOAT_DECIMALS)
    elif pd.api.types.is_bool_dtype(series.dtype):
        arr = pc.cast(pa.array(series.astype("Int64")), pa.string())
    elif pd.api.types.is_integer_dtype(series.dtype):
        arr = pc.cast(pa.array(series), pa.string())
    else:
        values = series.array
        arrow = pa.array(values) if isinstance(values, pd.arrays.ArrowStringArray) else None
        if arrow is None or not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
            arrow = pa.array(series.astype("string"))
        arr = arrow
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr])
    return arr if pa.types.is_large_string(arr.type) else arr.cast(pa.large_string())


def _decoded(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(arr.type):
        return pa.chunked_array([chunk.dictionary_decode() for chunk in arr.chunks], arr.type.value_type)
    return arr


def _values_text(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """The text to scan for quoting: a dictionary's distinct values, else the values."""
    if pa.types.is_dictionary(arr.type):
        return pa.chunked_array([chunk.dictionary for chunk in arr.chunks], arr.type.value_type)
    return arr


_SCAN_BYTES = 1 << 23


def _may_need_quotes(arr: pa.ChunkedArray) -> bool:
    """True when some value holds a quote, comma or line break (a memchr scan of the text, in
    slices of at most 8 MiB)."""
    for view in _buffer_views(_values_text(arr)):
        for start in range(0, len(view), _SCAN_BYTES):
            text = view[start:start + _SCAN_BYTES].tobytes()
            if b'"' in text or b"," in text or b"\n" in text or b"\r" in text:
                return True
    return False


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def _quoted(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    needs = pc.match_substring_regex(arr, r'[",\r\n]')
    quoted = pc.binary_join_element_wise(_text('"'), pc.replace_substring(arr, '"', '""'), _text('"'), _text(""))
    return pc.if_else(needs, quoted, arr)


def _buffer_views(lines: pa.ChunkedArray | pa.Array) -> Iterator[memoryview]:
    """The text of a non-null large_string array, chunk by chunk, without copying."""
    for chunk in lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]:
        if not len(chunk):
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
        start, end = offsets[chunk.offset], offsets[chunk.offset + len(chunk)]
        if end > start:
            yield memoryview(chunk.buffers()[2])[start:end]


@dataclass(frozen=True)
class TableParts:
    """One table made of several frames (e.g. one per operator), written one after the other
    under one header: `columns` in that order, a column a frame lacks written empty."""

    columns: list[str]
    frames: list[pd.DataFrame]

    def __len__(self) -> int:
        return sum(len(frame) for frame in self.frames)


def _rows_chunks(frame: pd.DataFrame, columns: list[str], batch_rows: int) -> Iterator[bytes | memoryview]:
    """The CSV lines of `frame` for `columns` (absent ones empty), `batch_rows` rows at a time."""
    if frame.empty:
        return
    texts: list[pa.ChunkedArray | None] = []
    quoting: list[bool] = []
    for name in columns:
        if name not in frame.columns:
            texts.append(None)
            quoting.append(False)
            continue
        series = frame[name]
        texts.append(_text_chunks(name, series))
        quoting.append(not pd.api.types.is_numeric_dtype(series.dtype) and _may_need_quotes(texts[-1]))
    for start in range(0, len(frame), batch_rows):
        cols = []
        for text, quote in zip(texts, quoting, strict=True):
            if text is None:
                cols.append(_text(""))
                continue
            part = _decoded(text.slice(start, batch_rows))
            cols.append(pc.fill_null(_quoted(part) if quote else part, _text("")))
        if all(isinstance(col, pa.Scalar) for col in cols):  # only absent columns
            count = min(batch_rows, len(frame) - start)
            yield ("," * (len(cols) - 1) + "\n").encode() * count
            continue
        rows = pc.binary_join_element_wise(*cols, _text(",")) if len(cols) > 1 else cols[0]
        yield from _buffer_views(pc.binary_join_element_wise(rows, _text(""), _text("\n")))


def table_csv_chunks(table: str, frame: pd.DataFrame | list[dict] | TableParts, *,
                     batch_rows: int = CSV_BATCH_ROWS) -> Iterator[bytes | memoryview]:
    """A GTFS table as UTF-8 CSV ('\n' line endings), in pieces of about `batch_rows` rows, so a
    large table is never held as one CSV text (see `table_csv` for the format)."""
    if isinstance(frame, TableParts):
        yield (",".join(frame.columns) + "\n").encode()
        for part in frame.frames:
            yield from _rows_chunks(part, frame.columns, batch_rows)
        return
    frame = pd.DataFrame(frame) if not isinstance(frame, pd.DataFrame) else frame
    columns = ordered_columns(table, [str(c) for c in frame.columns])
    yield (",".join(columns) + "\n").encode()
    yield from _rows_chunks(frame, columns, batch_rows)


def table_csv(table: str, frame: pd.DataFrame | list[dict]) -> bytes:
    """A GTFS table as UTF-8 CSV bytes with '\n' line endings."""
    return b"".join(table_csv_chunks(table, frame))


def _text_bytes(arr: pa.ChunkedArray) -> int:
    total = 0
    for chunk in arr.chunks:
        if len(chunk):
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
            total += int(offsets[chunk.offset + len(chunk)] - offsets[chunk.offset])
    return total


def csv_size_bound(frame: pd.DataFrame | TableParts) -> int:
    """An upper bound of the CSV size of `frame` (for the zip64 decision before writing): every
    text value quoted with each of its bytes a doubled quote, numbers at most 32 characters."""
    if isinstance(frame, TableParts):
        return sum(csv_size_bound(part) + len(frame.columns) * len(part) for part in frame.frames) + \
            2 * len(",".join(frame.columns).encode()) + 1
    total = 2 * len(",".join(map(str, frame.columns)).encode()) + 1
    for name in frame.columns:
        series = frame[name]
        if isinstance(series.dtype, pd.CategoricalDtype):  # the longest distinct value on every row
            longest = pc.max(pc.binary_length(categories_text(series))).as_py() or 0
            total += (2 * longest + 3) * len(series)
        elif pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            total += 33 * len(series)
        else:
            total += 2 * _text_bytes(_text_chunks(str(name), series)) + 3 * len(series)
    return total


# --- zip --------------------------------------------------------------------------------------------

_ZIP64_LIMIT = (1 << 31) - 1  # as zipfile: beyond this a size or an offset is written in a zip64 field
_DOS_DATE = (ZIP_DATE_TIME[0] - 1980) << 9 | ZIP_DATE_TIME[1] << 5 | ZIP_DATE_TIME[2]
_DOS_TIME = ZIP_DATE_TIME[3] << 11 | ZIP_DATE_TIME[4] << 5 | ZIP_DATE_TIME[5] // 2
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_WORKERS = max(1, min(os.cpu_count() or 1, 8))
_pool: ThreadPoolExecutor | None = None
_background: ThreadPoolExecutor | None = None  # renders members for `deflate_in_background`
_pool_lock = threading.Lock()


def _forget_pool_after_fork() -> None:
    """A forked child has none of the parent's threads: it starts its own pools when it needs them."""
    global _pool, _pool_lock, _background
    _pool, _pool_lock, _background = None, threading.Lock(), None


os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="gtfs-zip-deflate")
        return _pool


def _deflate_block(block: bytes, dictionary: bytes, last: bool) -> bytes:
    """Raw deflate of one block, primed with the 32 KiB before it, ending byte-aligned (sync
    flush) so that the blocks of a member concatenate into one deflate stream (as pigz does)."""
    if dictionary:
        compressor = zlib_ng.compressobj(COMPRESS_LEVEL, zlib_ng.DEFLATED, -15, 8, zlib_ng.Z_DEFAULT_STRATEGY,
                                         dictionary)
    else:
        compressor = zlib_ng.compressobj(COMPRESS_LEVEL, zlib_ng.DEFLATED, -15)
    return compressor.compress(block) + compressor.flush(zlib_ng.Z_FINISH if last else zlib_ng.Z_SYNC_FLUSH)


def _deflated(pieces: Iterable[bytes | memoryview], state: dict) -> Iterator[bytes]:
    """The deflate stream of the concatenated pieces, cut into DEFLATE_BLOCK-byte blocks that are
    compressed in parallel threads (zlib-ng releases the GIL), in order. The output depends only on
    the bytes (fixed block size and dictionary), never on timing or thread count. Sets
    state["crc"] and state["size"]."""
    crc, size = 0, 0
    pending: deque[Future[bytes]] = deque()
    buffer = bytearray()
    tail = b""
    limit = 2 * (_WORKERS + 1)  # blocks in flight: bounded memory

    def submit(block: bytes, last: bool) -> None:
        nonlocal tail
        if not pending and last:  # the member's only (or final, nothing in flight) block: no thread
            done: Future[bytes] = Future()
            done.set_result(_deflate_block(block, tail, last))
            pending.append(done)
        else:
            pending.append(_executor().submit(_deflate_block, block, tail, last))
        tail = block[-32768:]

    for piece in pieces:
        crc = zlib_ng.crc32(piece, crc)
        size += len(piece)
        buffer += piece
        while len(buffer) >= DEFLATE_BLOCK:
            submit(bytes(buffer[:DEFLATE_BLOCK]), False)
            del buffer[:DEFLATE_BLOCK]
            while len(pending) >= limit or (pending and pending[0].done()):
                yield pending.popleft().result()
    submit(bytes(buffer), True)
    while pending:
        yield pending.popleft().result()
    state["crc"], state["size"] = crc, size


@dataclass(frozen=True)
class DeflatedMember:
    """A member already deflated (`deflate_member`): its deflate stream, CRC-32 and size."""

    chunks: list[bytes]
    crc: int
    size: int

    @property
    def compressed(self) -> int:
        return sum(map(len, self.chunks))


Source = tuple[Callable[[], Iterable[bytes | memoryview]], int]  # pieces of a member's content, a size bound


def _deflate_source(source: Source) -> DeflatedMember:
    state: dict = {}
    chunks = list(_deflated(source[0](), state))
    return DeflatedMember(chunks, state["crc"], state["size"])


def _write_zip(fh: BinaryIO, members: Iterable[tuple[str, Source | DeflatedMember | Future[DeflatedMember]]]) -> None:
    """A zip of the members (name, then the pieces of its content and an upper bound of its size,
    or the member already deflated, or a future of it), in the given order, deflated, with fixed
    metadata; `fh` must be seekable (the local header is completed once the member is written).
    ZIP64 fields as zipfile writes them."""
    entries = []
    for name, source in members:
        if isinstance(source, Future):
            source = source.result()
        bound = source.size if isinstance(source, DeflatedMember) else source[1]
        encoded, flags = (name.encode("ascii"), 0) if name.isascii() else (name.encode("utf-8"), 0x800)
        zip64 = bound * 1.05 > _ZIP64_LIMIT
        offset = fh.tell()
        extra_len = 20 if zip64 else 0
        fh.write(b"\0" * (_LOCAL.size + len(encoded) + extra_len))
        state: dict = {}
        compressed = 0
        chunks = source.chunks if isinstance(source, DeflatedMember) else _deflated(source[0](), state)
        for data in chunks:
            fh.write(data)
            compressed += len(data)
        crc, size = (source.crc, source.size) if isinstance(source, DeflatedMember) else (state["crc"], state["size"])
        if not zip64 and (size > _ZIP64_LIMIT or compressed > _ZIP64_LIMIT):
            raise RuntimeError(f"{name}: {size} bytes, more than the size bound {bound} (zip64 needed)")
        end = fh.tell()
        version = 45 if zip64 else 20
        extra = struct.pack("<HHQQ", 1, 16, size, compressed) if zip64 else b""
        fh.seek(offset)
        fh.write(_LOCAL.pack(b"PK\003\004", version, 0, flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, crc,
                             0xFFFFFFFF if zip64 else compressed, 0xFFFFFFFF if zip64 else size, len(encoded),
                             len(extra)) + encoded + extra)
        fh.seek(end)
        entries.append((encoded, flags, crc, compressed, size, offset))
    directory_start = fh.tell()
    for encoded, flags, crc, compressed, size, offset in entries:
        extra_values = []
        if size > _ZIP64_LIMIT or compressed > _ZIP64_LIMIT:
            extra_values += [size, compressed]
            size = compressed = 0xFFFFFFFF
        if offset > _ZIP64_LIMIT:
            extra_values.append(offset)
            offset = 0xFFFFFFFF
        extra = struct.pack("<HH" + "Q" * len(extra_values), 1, 8 * len(extra_values), *extra_values) if extra_values else b""
        version = 45 if extra_values else 20
        fh.write(_CENTRAL.pack(b"PK\001\002", version, 3, version, 0, flags, zipfile.ZIP_DEFLATED, _DOS_TIME,
                               _DOS_DATE, crc, compressed, size, len(encoded), len(extra), 0, 0, 0, ZIP_MODE, offset)
                 + encoded + extra)
    directory_end = fh.tell()
    count, directory_size = len(entries), directory_end - directory_start
    if count > 0xFFFF or directory_size > _ZIP64_LIMIT or directory_start > _ZIP64_LIMIT:
        fh.write(struct.pack("<4sQ2H2L4Q", b"PK\006\006", 44, 45, 45, 0, 0, count, count, directory_size,
                             directory_start))
        fh.write(struct.pack("<4sLQL", b"PK\006\007", 0, directory_end, 1))
        fh.write(_END.pack(b"PK\005\006", 0, 0, min(count, 0xFFFF), min(count, 0xFFFF), 0xFFFFFFFF, 0xFFFFFFFF, 0))
    else:
        fh.write(_END.pack(b"PK\005\006", 0, 0, count, count, directory_size, directory_start, 0))


def _raw_member(content: bytes) -> tuple[Callable[[], Iterable[bytes]], int]:
    return (lambda: [content]), len(content)


def zip_bytes(members: Mapping[str, bytes]) -> bytes:
    """A zip archive of `members` (name -> bytes) with sorted names and fixed metadata."""
    buffer = io.BytesIO()
    _write_zip(buffer, [(name, _raw_member(members[name])) for name in sorted(members)])
    return buffer.getvalue()






def _member_name(name: str) -> str:
    return name if "." in name.rsplit("/", 1)[-1] else f"{name}.txt"


def _zip_name(name: str, content: Table | TableParts) -> str:
    """Raw content keeps its name; a table 'stops' is the member 'stops.txt'."""
    return name if isinstance(content, (bytes, str)) else _member_name(name)


def _source(name: str, content: Table | TableParts) -> Source:
    if isinstance(content, (bytes, str)):
        return _raw_member(content.encode() if isinstance(content, str) else content)
    frame = content if isinstance(content, pd.DataFrame | TableParts) else pd.DataFrame(content)
    table = _member_name(name).rsplit("/", 1)[-1].removesuffix(".txt")
    return (lambda: table_csv_chunks(table, frame)), csv_size_bound(frame)


def deflate_in_background(tables: Mapping[str, Table | TableParts]) -> dict[str, Future[DeflatedMember]]:
    """Start rendering and deflating `tables` on a background thread (one member after the other,
    the blocks on the deflate pool), so a caller can go on with other work; pass the result to
    `write_gtfs_zip(..., deflated=)`. Keyed by member name ('trips.txt')."""
    global _background
    with _pool_lock:
        if _background is None:
            _background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gtfs-zip-member")
        background = _background
    return {_zip_name(name, content): background.submit(_deflate_source, _source(name, content))
            for name, content in tables.items()}


def write_gtfs_zip(path: Path, tables: Mapping[str, Table | TableParts], *,
                   deflated: Mapping[str, Future[DeflatedMember] | DeflatedMember] | None = None) -> None:
    """Write a GTFS zip: `tables` maps a table name ('stops') or a member name ('stops.txt',
    '__MACOSX/._stops.txt') to a DataFrame, `TableParts`, a list of row dicts, or raw bytes/str
    content. Tables are rendered to CSV and deflated in pieces, straight into the temporary file;
    members found in `deflated` (from `deflate_in_background` on the same content) are taken as
    they are. The bytes are the same either way."""
    deflated = deflated or {}
    members: dict[str, Source | DeflatedMember | Future[DeflatedMember]] = {}
    for name, content in tables.items():
        member = _zip_name(name, content)
        members[member] = deflated[member] if member in deflated else _source(name, content)
    replace_atomic(Path(path), lambda fh: _write_zip(fh, [(name, members[name]) for name in sorted(members)]))
