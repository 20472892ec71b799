"""Column access on all-string GTFS tables: stripped text, numbers, times and dates, factorized
codes, and row order by trip. Everything is vectorised (pyarrow kernels on distinct values)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from regie.gtfs.feed_tables import ROW, TableLookup


def table(feed: TableLookup, name: str) -> pd.DataFrame:
    """The table, or an empty frame with only `_row` when the feed lacks it."""
    frame = feed.get(name)
    if frame is None:
        return pd.DataFrame({ROW: pd.Series([], dtype="int64")})
    return frame


def raw_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column as read; all "" when the table lacks it. A duplicated header name gives its
    first column (the canonical rules report the header)."""
    if name not in frame.columns:
        return pd.Series("", index=frame.index, dtype="str")
    return frame.iloc[:, list(frame.columns).index(name)]


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column as stripped strings ("" for missing values); all "" when the table lacks it."""
    return _stripped(raw_column(frame, name))


def _stripped(values: pd.Series) -> pd.Series:
    return values.astype("str").fillna("").str.strip()


def text_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """The values as `column` gives them (stripped strings), factorized: one integer code per row
    into the distinct values. GTFS ids, times and sequences repeat a lot, so converting the
    distinct values only is faster and allocates far less on large tables. A categorical's own
    codes are used (its rows' text is never touched); missing values read as ""."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return _category_codes(values)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    uniques = pd.Series(uniques)
    text = _stripped(uniques)
    if text.equals(uniques):  # nothing to strip (the usual case): the codes hold
        return codes, pd.Index(text)
    merged, distinct = pd.factorize(text)
    return merged[codes], distinct


def _category_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    codes = values.cat.codes.to_numpy()
    text = pd.Series(values.cat.categories, dtype="str")
    if len(codes) and codes.min() < 0:
        codes = np.where(codes < 0, len(text), codes)
        text = pd.concat([text, pd.Series([""], dtype="str")], ignore_index=True)
    stripped = text.str.strip()
    if stripped.equals(text) and stripped.is_unique:  # the usual case: nothing to strip or merge
        return codes, pd.Index(stripped)
    merged, distinct = pd.factorize(stripped)
    return merged[codes], pd.Index(distinct)


_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


_TIME = r"^\d{1,3}:[0-5]\d:[0-5]\d$"


def _arrow(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    return pc.cast(pa.array(values.astype("str").fillna("").str.strip()), pa.string())


def _floats(array: pa.Array | pa.ChunkedArray, valid: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    return pd.Series(pc.if_else(valid, array, None).to_numpy(zero_copy_only=False), index=index, dtype=float)


def _per_distinct(values: pd.Series, convert: Any) -> pd.Series:
    """Apply `convert` to the distinct stripped values only, then spread back (see `text_codes`)."""
    codes, distinct = text_codes(values)
    converted = convert(pd.Series(distinct)).to_numpy(dtype=float)
    return pd.Series(converted[codes], index=values.index, dtype=float)


def _to_numbers(values: pd.Series) -> pd.Series:
    text = _arrow(values)
    valid = pc.match_substring_regex(text, _NUMBER)
    return _floats(pc.cast(pc.if_else(valid, text, "0"), pa.float64()), valid, values.index)


def to_numbers(values: pd.Series) -> pd.Series:
    """Text as floats, NaN where empty or not a number (pyarrow kernels on the distinct values)."""
    return _per_distinct(values, _to_numbers)


def numeric(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column as floats, NaN where empty or not a number."""
    return to_numbers(raw_column(frame, name))


def rows(frame: pd.DataFrame) -> pd.Series:
    return frame[ROW] if ROW in frame.columns else pd.Series(range(2, len(frame) + 2), index=frame.index)


def gtfs_seconds(values: pd.Series) -> pd.Series:
    """GTFS times (H:MM:SS, hours may exceed 24) as seconds after midnight; NaN when not a time."""
    return _per_distinct(values, _gtfs_seconds)


def _gtfs_seconds(values: pd.Series) -> pd.Series:
    text = _arrow(values)
    valid = pc.match_substring_regex(text, _TIME)
    text = pc.if_else(valid, text, "0:00:00")
    hours, minutes, seconds = (pc.cast(pc.utf8_slice_codeunits(text, start, stop), pa.int64())
                               for start, stop in ((0, -6), (-5, -3), (-2, 2**31 - 1)))
    total = pc.add(pc.add(pc.multiply(hours, 3600), pc.multiply(minutes, 60)), seconds)
    return _floats(pc.cast(total, pa.float64()), valid, values.index)


def gtfs_dates(values: pd.Series) -> pd.Series:
    """YYYYMMDD values as datetimes; NaT when not a date."""
    return pd.to_datetime(values.astype("str").fillna("").str.strip(), format="%Y%m%d", errors="coerce")


def location_types(stops: pd.DataFrame) -> pd.Series:
    """location_type as numbers, empty meaning 0 (stop or platform); NaN when not a number."""
    raw = column(stops, "location_type")
    return to_numbers(raw.where(raw != "", "0"))


def trip_order(trip: np.ndarray, sequence: np.ndarray) -> np.ndarray | None:
    """Row positions by trip code, then stop_sequence (ties in file order), rows without a
    sequence left out; None when the table is in that order already (the usual case)."""
    kept = np.flatnonzero(~np.isnan(sequence)) if np.isnan(sequence).any() else None
    trips = trip if kept is None else trip[kept]
    sequences = sequence if kept is None else sequence[kept]
    step = np.diff(trips)
    if not (step < 0).any() and not (np.diff(sequences)[step == 0] < 0).any():
        return kept
    # one stable sort on an integer key, trip then sequence rank: fast on rows nearly in order
    codes, distinct = pd.factorize(sequences)
    rank = np.unique(distinct, return_inverse=True)[1].reshape(-1)[codes]
    order = np.argsort(trips * (int(rank.max()) + 1) + rank, kind="stable")
    return order if kept is None else kept[order]


def first_rows(values: pd.Series, keys: object) -> np.ndarray:
    """Row position of each key's first occurrence in `values`, -1 where absent (ids may repeat)."""
    codes, distinct = pd.factorize(values)
    first = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())  # by code: codes number first sightings
    found = pd.Index(distinct).get_indexer(keys)
    return np.where(found >= 0, first[found] if len(first) else -1, -1)
