"""GTFS tables as CSV text: same table -> same bytes.

UTF-8 with '\n' line endings, GTFS column order (unknown columns after, alphabetically), minimal
quoting, coordinates with six decimals and other floats with `FLOAT_DECIMALS`. Rendered with
pyarrow kernels on the columns' Arrow data, `CSV_BATCH_ROWS` rows at a time, so a large table is
never held as one CSV text; categoricals are decoded batch by batch. `TableParts` writes several
frames under one header.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from regie.gtfs.compact import categories_text, dictionary_array

COORD_DECIMALS = 6
FLOAT_DECIMALS = 1
CSV_BATCH_ROWS = 65_536  # rows rendered to CSV at a time

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

