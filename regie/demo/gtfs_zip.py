"""Deterministic GTFS zip writer: same tables -> same bytes.

Members are sorted by name, stamped 1980-01-01 00:00:00 with mode 0644 and deflated at a fixed
level; CSV uses '\n' line endings, GTFS column order, minimal quoting, coordinates with six
decimals and other floats with `FLOAT_DECIMALS`. The archive is written to a temporary file in the
target folder and moved into place with `os.replace`, so readers never see half a zip.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o644 << 16
COMPRESS_LEVEL = 6
COORD_DECIMALS = 6
FLOAT_DECIMALS = 1

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

Table = pd.DataFrame | list[dict] | bytes | str


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


def _column_text(name: str, series: pd.Series) -> pa.Array:
    """One column as CSV-ready strings (quoted where needed, nulls as empty strings)."""
    if pd.api.types.is_float_dtype(series.dtype):
        lat_lon = name.endswith(("_lat", "_lon"))
        arr = _fixed(series.to_numpy(dtype=float, na_value=np.nan),
                     COORD_DECIMALS if lat_lon else FLOAT_DECIMALS)
    elif pd.api.types.is_bool_dtype(series.dtype):
        arr = pc.cast(pa.array(series.astype("Int64")), pa.string())
    elif pd.api.types.is_integer_dtype(series.dtype):
        arr = pc.cast(pa.array(series), pa.string())
    else:
        arr = pc.cast(pa.array(series.astype("string")), pa.string())
        needs = pc.match_substring_regex(arr, r'[",\r\n]')
        quoted = pc.binary_join_element_wise(
            '"', pc.replace_substring(arr, '"', '""'), '"', "",
        )
        arr = pc.if_else(needs, quoted, arr)
    return pc.fill_null(arr, "")


def table_csv(table: str, frame: pd.DataFrame | list[dict]) -> bytes:
    """A GTFS table as UTF-8 CSV bytes with '\n' line endings."""
    frame = pd.DataFrame(frame) if not isinstance(frame, pd.DataFrame) else frame
    columns = ordered_columns(table, [str(c) for c in frame.columns])
    header = (",".join(columns) + "\n").encode()
    if frame.empty:
        return header
    cols = [_column_text(c, frame[c]) for c in columns]
    rows = pc.binary_join_element_wise(*cols, ",") if len(cols) > 1 else cols[0]
    lines = pc.binary_join_element_wise(rows, "", "\n")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    lines = lines.cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return header + memoryview(lines.buffers()[2])[start:end].tobytes()


def zip_bytes(members: Mapping[str, bytes]) -> bytes:
    """A zip archive of `members` (name -> bytes) with sorted names and fixed metadata."""
    with tempfile.SpooledTemporaryFile() as buffer:
        with zipfile.ZipFile(buffer, "w") as zf:
            for name in sorted(members):
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = ZIP_MODE
                zf.writestr(info, members[name], compresslevel=COMPRESS_LEVEL)
        buffer.seek(0)
        return buffer.read()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary sibling file and `os.replace`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_gtfs_zip(path: Path, tables: Mapping[str, Table]) -> None:
    """Write a GTFS zip: `tables` maps a table name ('stops') or a member name ('stops.txt',
    '__MACOSX/._stops.txt') to a DataFrame, a list of row dicts, or raw bytes/str content."""
    members: dict[str, bytes] = {}
    for name, content in tables.items():
        if isinstance(content, (bytes, str)):
            members[name] = content.encode() if isinstance(content, str) else content
            continue
        member = name if "." in name.rsplit("/", 1)[-1] else f"{name}.txt"
        members[member] = table_csv(member.rsplit("/", 1)[-1].removesuffix(".txt"), content)
    write_atomic(Path(path), zip_bytes(members))
