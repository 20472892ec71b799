"""Shared helpers of the own rules: column access on the all-string frames, distances, times,
and building notice frames column-wise (never row by row)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from quality.feed_tables import ROW, FeedTables
from quality.notices import (
    NOTICE_COLUMNS,
    Severity,
    Source,
    concat_notices,
    notices_frame,
)

EARTH_RADIUS_M = 6_371_008.8


_NO_NOTICES = notices_frame()


def no_notices() -> pd.DataFrame:
    """An empty notice frame: a copy of one built once (`notices_frame()` takes ~2 ms, and most
    checks find nothing on most feeds)."""
    return _NO_NOTICES.copy()


def combined(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """`concat_notices` of the frames, `no_notices()` when none has a finding."""
    found = [frame for frame in frames if len(frame)]
    return concat_notices(found) if found else no_notices()


def table(feed: FeedTables, name: str) -> pd.DataFrame:
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


def haversine_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle distance in metres, element-wise."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


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


def records(frame: pd.DataFrame, columns: Sequence[str] | Mapping[str, str]) -> list[dict[str, Any]]:
    """Context dicts from columns of `frame` (a mapping renames: {frame column: context key}),
    as plain JSON-serialisable Python values."""
    names = dict(columns) if isinstance(columns, Mapping) else {name: name for name in columns}
    if not len(frame):
        return []
    picked = frame[list(names)].rename(columns=names).astype(object)
    picked = picked.where(picked.notna(), None)
    return picked.to_dict("records")


def notices(
    code: str,
    severity: Severity | str | pd.Series,
    *,
    file: str | None | pd.Series,
    row: pd.Series | None,
    field: str | None | pd.Series,
    message: str | pd.Series,
    context: list[dict[str, Any]],
) -> pd.DataFrame:
    """A notice frame of own findings, built column-wise (all arguments aligned on one index)."""
    size = len(context)
    if size == 0:
        return no_notices()

    def values(value: Any) -> list[Any]:
        if isinstance(value, pd.Series | np.ndarray):
            return np.asarray(value, dtype=object).tolist()
        return [str(value) if isinstance(value, Severity) else value] * size

    frame = pd.DataFrame({
        "code": code,
        "severity": values(severity),
        "source": Source.REGIE.value,
        "file": values(file),
        "row": values(row) if row is not None else None,
        "field": values(field),
        "message": values(message),
        "context": context,
    })
    return notices_frame(frame[NOTICE_COLUMNS])


def int_text(values: pd.Series | np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """Rounded numbers as text, for messages (vectorised)."""
    if index is None and isinstance(values, pd.Series):
        index = values.index
    array = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    return pd.Series(np.round(array).astype("int64").astype(str), index=index)
