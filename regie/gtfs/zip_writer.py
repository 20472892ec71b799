"""Deterministic GTFS zip writer: same tables -> same bytes.

Members are sorted by name, stamped 1980-01-01 00:00:00 with mode 0644 and deflated at a fixed
level with zlib-ng (zlib's format and API, several times faster than zlib at the same size); tables
are rendered by `regie.gtfs.csv_text`. The archive is written to a temporary file in the target
folder and moved into place with `os.replace`, so readers never see half a zip.

Large members are streamed: their CSV comes in row batches and is deflated in DEFLATE_BLOCK-byte
blocks on a thread pool, each block primed with the 32 KiB before it and ending on a byte boundary,
so the blocks concatenate into one deflate stream (pigz's scheme). Memory stays bounded by a batch
and the blocks in flight; the bytes depend only on the tables (a member of one block is exactly
zlib-ng's stream). The zip structure (local headers, central directory, ZIP64 fields past 2 GiB as
zipfile writes them) is written here, since zipfile cannot take already-deflated data.
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
from typing import BinaryIO, TypeAlias

import pandas as pd
from zlib_ng import zlib_ng

from regie.gtfs.atomic import replace_atomic
from regie.gtfs.csv_text import TableParts, csv_size_bound, table_csv_chunks

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o644 << 16
# zlib-ng's 5: on the Bay Area + HART + CATS regional CSV 1 % smaller than zlib's 6 in 30 % of its
# CPU time (zlib-ng's 6: 0.3 % smaller again for 50 % more time; its 3: 8 % larger)
COMPRESS_LEVEL = 5
DEFLATE_BLOCK = 1 << 20  # bytes of CSV per deflate block (blocks are compressed in parallel)

Table: TypeAlias = pd.DataFrame | list[dict] | bytes | str  # or TableParts

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
    """A member already deflated (`deflate_in_background`): its deflate stream, CRC-32 and size."""

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
