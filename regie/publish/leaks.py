"""The leak scan: does anything of a restricted operator appear in a folder of published files?

A restricted operator's fingerprint is taken from the internal regional feed (every operator,
ids namespaced `<operator>:<id>`) and the registry:
- its namespace (`mugabus:`) and its id as a word;
- its names (registry name, agency, route and stop names) that no open
  operator also uses; names shorter than `MIN_NAME_LENGTH` are left out (a route "1" is in any
  text). Where an open name contains a forbidden one ("Hendaye Gare" holds "Hendaye"), the open
  name is masked before the search;
- its stops' coordinates that no open stop shares (within `COORDINATE_TOLERANCE` degrees, about
  a metre): a hit is a latitude and a longitude of one such stop in one record (a CSV line, a
  Parquet row, a JSON array or object, a line of other text, or two neighbouring numbers in a
  long line).

Every file is scanned, inside zips (recursively), gzip and Parquet too: text files case-folded,
with HTML entities and %-escapes decoded; JSON walked; other binary files searched for ids and
names in their UTF-8 text.
"""

from __future__ import annotations

import codecs
import gzip
import html
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from regie.config.operators import Registry
from regie.gtfs.columns import column, numeric
from regie.gtfs.feed_tables import TableLookup
from regie.publish.tables import read_text_table

MIN_NAME_LENGTH = 4
COORDINATE_TOLERANCE = 1e-5  # degrees: about 1 m; GeoJSON's 6 decimals and 5-decimal roundings both hit
MAX_HITS_PER_FILE = 5
TEXT_SUFFIXES = {".txt", ".csv", ".md", ".html", ".htm", ".js", ".mjs", ".css", ".ttl", ".xml", ".svg",
                 ".rdf", ".nt", ".tsv", ".yaml", ".yml", ".po", ".log", ""}
JSON_SUFFIXES = {".json", ".geojson", ".jsonld", ".webmanifest"}
LONG_LINE = 2000
_SEPARATOR = " \x00 "  # between values searched as one text: no name spans it
_NUMBER = re.compile(r"-?\d{1,3}\.\d{3,}")
_NAMED_FIELDS = {"agency": ("agency_name",), "routes": ("route_short_name", "route_long_name"),
                 "stops": ("stop_name",)}
_ID_FIELDS = {"agency": "agency_id", "routes": "route_id", "stops": "stop_id"}


@dataclass(frozen=True)
class Leak:
    file: str  # relative path; "a.zip!stops.txt" inside a zip; "#column" or "#(rows)" in a table
    kind: str  # "id" | "name" | "coordinates"
    value: str

    def __str__(self) -> str:
        return f"{self.file}: {self.kind} {self.value!r}"


@dataclass
class Fingerprint:
    """What would betray restricted operators (see the module docstring); texts normalised."""

    ids: list[str]  # namespaces "op:" and operator ids
    names: list[str]
    open_names: list[str] = field(default_factory=list)  # open names that contain a forbidden one
    coordinates: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # (lat, lon) rows

    @property
    def terms(self) -> list[tuple[str, str]]:
        return [("id", term) for term in self.ids] + [("name", term) for term in self.names]


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def fingerprint(internal: TableLookup, restricted: dict[str, str]) -> Fingerprint:
    """The fingerprint of the `restricted` operators (id -> registry name) in the internal feed."""
    names: dict[bool, set[str]] = {True: set(), False: set()}  # restricted? -> names
    for table, fields in _NAMED_FIELDS.items():
        frame = internal.get(table)
        if frame is None:
            continue
        owner = _is_restricted(column(frame, _ID_FIELDS[table]), restricted)
        for name in fields:
            values = column(frame, name)
            for flag in (True, False):
                names[flag].update(normalise(v) for v in values[owner == flag].unique() if v)
    names[True].update(normalise(name) for name in restricted.values())
    forbidden = sorted(n for n in names[True] - names[False] if len(n) >= MIN_NAME_LENGTH)
    masked = sorted(n for n in names[False] if any(f in n for f in forbidden))
    return Fingerprint(ids=sorted({f"{op}:" for op in restricted} | set(restricted)), names=forbidden,
                       open_names=masked, coordinates=_private_coordinates(internal.get("stops"), restricted))


def registry_fingerprint(internal: TableLookup, registry: Registry) -> Fingerprint:
    """The fingerprint of every restricted operator of the registry."""
    return fingerprint(internal, {op.id: op.name for op in registry.operators if op.openness == "restricted"})


def _is_restricted(ids: Any, restricted: dict[str, str]) -> np.ndarray:
    prefix = ids.str.split(":", n=1).str[0]
    return (ids.str.contains(":", regex=False) & prefix.isin(list(restricted))).to_numpy()


def _private_coordinates(stops: Any, restricted: dict[str, str]) -> np.ndarray:
    if stops is None or not len(stops):
        return np.zeros((0, 2))
    points = np.column_stack([numeric(stops, "stop_lat").to_numpy(), numeric(stops, "stop_lon").to_numpy()])
    mine = _is_restricted(column(stops, "stop_id"), restricted) & ~np.isnan(points).any(axis=1)
    theirs = points[~_is_restricted(column(stops, "stop_id"), restricted) & ~np.isnan(points).any(axis=1)]
    keep = [point for point in points[mine]
            if not len(theirs) or np.abs(theirs - point).max(axis=1).min() > 2 * COORDINATE_TOLERANCE]
    return np.array(keep).reshape(-1, 2)


# --- scanning ---------------------------------------------------------------------------------

def scan_folder(folder: Path, print_: Fingerprint) -> list[Leak]:
    """Every leak in every file under `folder` (symlinks not followed)."""
    leaks: list[Leak] = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and not p.is_symlink()):
        leaks += scan_bytes(path.relative_to(folder).as_posix(), path.read_bytes(), print_)
    return leaks


def scan_bytes(name: str, data: bytes, print_: Fingerprint) -> list[Leak]:
    """The leaks in one file's bytes, by what its name says it is (zip, gzip, Parquet, JSON, text)."""
    suffix = PurePosixPath(name).suffix.lower()
    if zipfile.is_zipfile(io.BytesIO(data)) and suffix not in (".xlsx", ".docx"):
        return _scan_zip(name, data, print_)
    if suffix == ".gz":  # "r.json.gz!r.json": the inner name says what the content is
        return scan_bytes(f"{name}!{PurePosixPath(name).stem}", gzip.decompress(data), print_)
    if suffix == ".parquet" or data[:4] == b"PAR1":
        return _scan_parquet(name, data, print_)
    if suffix in JSON_SUFFIXES:
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _scan_text(name, data.decode("utf-8", errors="replace"), print_)
        return _cap(_scan_json(name, document, print_))
    if suffix in (".txt", ".csv") and not _binary(data):
        return _scan_csv(name, data, print_)
    if suffix in TEXT_SUFFIXES or not _binary(data):
        return _scan_text(name, data.decode("utf-8", errors="replace"), print_)
    return _scan_binary(name, data, print_)


def _binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]


def _scan_zip(name: str, data: bytes, print_: Fingerprint) -> list[Leak]:
    leaks = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                leaks += scan_bytes(f"{name}!{info.filename}", archive.read(info), print_)
            leaks += _terms_in(f"{name}!{info.filename}", [info.filename], print_)  # member names too
    return leaks


def _scan_parquet(name: str, data: bytes, print_: Fingerprint) -> list[Leak]:
    return _scan_table(name, pq.read_table(pa.BufferReader(data)), print_)


def _scan_csv(name: str, data: bytes, print_: Fingerprint) -> list[Leak]:
    """A CSV file as a table (its distinct values searched, its rows of numbers as records); as
    text when it is not CSV."""
    try:
        table = read_text_table(data.removeprefix(codecs.BOM_UTF8))
    except (pa.ArrowInvalid, ValueError, UnicodeDecodeError):
        return _scan_text(name, data.decode("utf-8", errors="replace"), print_)
    return _scan_table(name, table, print_, numbers_from_text=True)


def _scan_table(name: str, table: pa.Table, print_: Fingerprint, *, numbers_from_text: bool = False) -> list[Leak]:
    """Column names and each column's distinct text searched; each row's numbers are a record."""
    leaks = _terms_in(f"{name}#(columns)", table.column_names, print_)
    numbers = []
    for column_name, values in zip(table.column_names, table.columns, strict=True):
        kind = values.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
            distinct = values.cast(pa.string()).unique().drop_null()
            leaks += _terms_in(f"{name}#{column_name}", [_SEPARATOR.join(distinct.to_pylist())], print_)
            if numbers_from_text:
                numbers.append(_decimals(values.cast(pa.string())))
        elif pa.types.is_floating(kind):
            numbers.append(values.to_numpy(zero_copy_only=False))
    if numbers and len(print_.coordinates):
        rows = np.column_stack(numbers)
        leaks += _cap(Leak(f"{name}#(rows)", "coordinates", found) for found in _row_hits(rows, print_))
    return leaks


def _decimals(values: pa.ChunkedArray) -> np.ndarray:
    """Text as floats where it is a decimal number (NaN elsewhere)."""
    text = pc.utf8_trim_whitespace(values)
    valid = pc.match_substring_regex(text, r"^-?[0-9]{1,3}\.[0-9]+$")
    floats = pc.if_else(valid, pc.cast(pc.if_else(valid, text, "0"), pa.float64()), pa.scalar(None, pa.float64()))
    return np.asarray(floats.to_numpy(zero_copy_only=False), dtype=float)


def _scan_json(name: str, node: Any, print_: Fingerprint) -> Iterator[Leak]:
    """Every string (keys too) searched; each list or object's own numbers are one record."""
    texts: list[str] = []
    records: list[list[float]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        values = list(item.values()) if isinstance(item, dict) else item if isinstance(item, list) else None
        if values is None:
            continue
        if isinstance(item, dict):
            texts.extend(item.keys())
        texts.extend(v for v in values if isinstance(v, str))
        numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(numbers) >= 2:
            records.append(numbers)
        stack.extend(v for v in values if isinstance(v, (dict, list)))
    joined = _SEPARATOR.join(texts)
    yield from _terms_in(name, [joined], print_)
    yield from _text_coordinates(name, "\n".join(texts), print_)  # numbers written as text
    short = [record for record in records if len(record) <= 8]
    if short:  # the usual [lon, lat] pairs: one matrix, padded with NaN
        matrix = np.full((len(short), max(map(len, short))), np.nan)
        for row, record in enumerate(short):
            matrix[row, :len(record)] = record
        yield from (Leak(name, "coordinates", found) for found in _row_hits(matrix, print_))
    for found in _coordinate_hits((np.array(record) for record in records if len(record) > 8), print_):
        yield Leak(name, "coordinates", found)


def _scan_text(name: str, text: str, print_: Fingerprint) -> list[Leak]:
    return _terms_in(name, [text], print_) + _cap(_text_coordinates(name, text, print_))


def _scan_binary(name: str, data: bytes, print_: Fingerprint) -> list[Leak]:
    """The text runs of a binary file (an SQLite database keeps its text as UTF-8)."""
    return _terms_in(name, [data.decode("utf-8", errors="ignore").replace("\x00", " ")], print_)


def _terms_in(name: str, texts: Iterable[str], print_: Fingerprint) -> list[Leak]:
    """Forbidden ids and names in the texts (open names that contain a forbidden name masked)."""
    found: dict[tuple[str, str], None] = {}
    for text in _decoded(texts):
        value = normalise(text)
        for open_name in print_.open_names:
            value = value.replace(open_name, " ")
        for kind, term in print_.terms:
            if term in value:
                found[(kind, term)] = None
    return [Leak(name, kind, term) for kind, term in found][:MAX_HITS_PER_FILE]


def _decoded(texts: Iterable[str]) -> Iterator[str]:
    """Each text, and as HTML entities and %-escapes decode it when it has any."""
    for text in texts:
        yield text
        unescaped = html.unescape(text) if "&" in text else text
        if unescaped != text:
            yield unescaped
        if "%" in unescaped and (unquoted := unquote(unescaped)) != unescaped:
            yield unquoted


def _text_coordinates(name: str, text: str, print_: Fingerprint) -> Iterator[Leak]:
    """Private stops whose latitude and longitude are on one line (neighbours on a long line)."""
    if not len(print_.coordinates) or not _NUMBER.search(text):
        return
    matches = list(_NUMBER.finditer(text))
    values = np.array([float(match.group()) for match in matches])
    offsets = np.array([match.start() for match in matches])
    breaks = np.array([match.start() for match in re.finditer("\n", text)] + [len(text)])
    line = np.searchsorted(breaks, offsets)
    long_line = (breaks - np.r_[0, breaks[:-1] + 1] > LONG_LINE)[line]
    for lat, lon in print_.coordinates:
        at_lat = np.flatnonzero(np.abs(values - lat) <= COORDINATE_TOLERANCE)
        at_lon = np.flatnonzero(np.abs(values - lon) <= COORDINATE_TOLERANCE)
        if not len(at_lat) or not len(at_lon):
            continue
        short = np.intersect1d(line[at_lat[~long_line[at_lat]]], line[at_lon[~long_line[at_lon]]])
        lon_set = set(at_lon.tolist())
        beside = any(j in lon_set and line[j] == line[i] for i in at_lat[long_line[at_lat]].tolist()
                     for j in (i - 1, i + 1))
        if len(short) or beside:
            yield Leak(name, "coordinates", f"{lat:.6f},{lon:.6f}")


def _near(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Whether each value is within the tolerance of one of the targets (NaN never is)."""
    ordered = np.sort(targets)
    at = np.searchsorted(ordered, values)
    below = ordered[np.clip(at - 1, 0, len(ordered) - 1)]
    above = ordered[np.clip(at, 0, len(ordered) - 1)]
    return (np.abs(values - below) <= COORDINATE_TOLERANCE) | (np.abs(values - above) <= COORDINATE_TOLERANCE)


def _row_hits(rows: np.ndarray, print_: Fingerprint) -> Iterator[str]:
    """Private stops whose latitude and longitude are in one row of numbers."""
    if not len(print_.coordinates) or not rows.size:
        return
    candidates = _near(rows, print_.coordinates[:, 0]).any(axis=1) & _near(rows, print_.coordinates[:, 1]).any(axis=1)
    rows = rows[candidates]  # few rows, if any: each private stop checked on them
    for lat, lon in print_.coordinates if len(rows) else ():
        if ((np.abs(rows - lat) <= COORDINATE_TOLERANCE).any(axis=1)
                & (np.abs(rows - lon) <= COORDINATE_TOLERANCE).any(axis=1)).any():
            yield f"{lat:.6f},{lon:.6f}"


def _coordinate_hits(records: Iterable[np.ndarray], print_: Fingerprint) -> Iterator[str]:
    """"lat,lon" of each private stop whose latitude and longitude are both in one record."""
    private = print_.coordinates
    if not len(private):
        return
    lats, lons = private[:, 0], private[:, 1]
    seen: set[int] = set()
    for numbers in records:
        if len(numbers) < 2:
            continue
        near_lat = np.abs(numbers[:, None] - lats[None, :]) <= COORDINATE_TOLERANCE
        for stop in np.flatnonzero(near_lat.any(axis=0)):
            if int(stop) not in seen and (np.abs(numbers - lons[stop]) <= COORDINATE_TOLERANCE).any():
                seen.add(int(stop))
                yield f"{lats[stop]:.6f},{lons[stop]:.6f}"


def _cap(leaks: Iterable[Leak]) -> list[Leak]:
    capped: list[Leak] = []
    for leak in leaks:
        if leak not in capped:
            capped.append(leak)
        if len(capped) >= MAX_HITS_PER_FILE:
            break
    return capped
