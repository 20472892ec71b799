"""Text clean-up on the all-string tables: trim whitespace, pad single-digit hours.

A column that needs no change is kept as it is (its Arrow buffers shared with the input, no
copy): a byte scan of each value's first and last byte tells whether any value may start or end
with whitespace, and the byte lengths whether any time may have a single-digit hour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from regie.gtfs.arrow_text import arrow, text_series
from regie.gtfs.feed_tables import ROW

_TIME_COLUMNS = {"stop_times": ("arrival_time", "departure_time", "start_pickup_drop_off_window",
                                "end_pickup_drop_off_window"),
                 "frequencies": ("start_time", "end_time"), "timeframes": ("start_time", "end_time")}
_SHORT_TIME = len("7:05:00")
# a byte that may begin or end whitespace: ASCII controls and space, and any non-ASCII byte
# (Unicode spaces are multi-byte); conservative, the exact strip decides
_MAYBE_SPACE = np.zeros(256, dtype=bool)
_MAYBE_SPACE[:33] = True
_MAYBE_SPACE[127:] = True


def _chunks(values: pd.Series) -> list[pa.Array] | None:
    """The Arrow chunks (large_string) of a text column, or None when it is not Arrow text."""
    array = values.array
    if not isinstance(array, pd.arrays.ArrowStringArray):
        return None
    arrow = pa.array(array)
    chunks = arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]
    return chunks if all(pa.types.is_large_string(c.type) for c in chunks) else None


def _spans(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The byte offsets (start, end) of each value of a large_string chunk in its data buffer."""
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset:chunk.offset + len(chunk) + 1]
    return offsets[:-1], offsets[1:]


def may_have_edge_space(values: pd.Series) -> bool:
    """False when no value starts or ends with whitespace (nor is missing); True when some may."""
    chunks = _chunks(values)
    if chunks is None:
        return True
    for chunk in chunks:
        if not len(chunk):
            continue
        if chunk.null_count:
            return True
        data = chunk.buffers()[2]
        if data is None:
            continue
        data = np.frombuffer(data, dtype=np.uint8)
        starts, ends = _spans(chunk)
        filled = ends > starts
        starts, ends = starts[filled], ends[filled]
        if _MAYBE_SPACE[data[starts]].any() or _MAYBE_SPACE[data[ends - 1]].any():
            return True
    return False


def may_have_short_times(values: pd.Series) -> bool:
    """False when no value is 7 bytes long (so none can be 'H:MM:SS')."""
    chunks = _chunks(values)
    if chunks is None:
        return True
    for chunk in chunks:
        starts, ends = _spans(chunk)
        if ((ends - starts) == _SHORT_TIME).any():
            return True
    return False


def _padded_times(values: pd.Series) -> tuple[pd.Series, int]:
    """'7:05:00' → '07:05:00' (each distinct value once), and the number of values changed."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    distinct = pd.Series(uniques, dtype="str")
    fixed = distinct.str.replace(r"^(\d:[0-5]\d:[0-5]\d)$", r"0\1", regex=True)
    changed = (fixed != distinct).to_numpy()
    count = int(np.bincount(codes, minlength=len(distinct))[changed].sum())
    if not count:
        return values, 0
    return text_series(arrow(fixed), codes, values.index), count


def clean_table(name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """A new frame without `_row`, every value a stripped string ("" for missing), times as
    HH:MM:SS ('7:05:00' → '07:05:00'; invalid times left as they are). Returns the frame and
    the number of values trimmed and of times padded. Unchanged columns share the input's data."""
    columns = [c for c in frame.columns if c != ROW]
    data: dict = {}
    trimmed = padded = 0
    for col in columns:
        values = frame[col].fillna("").astype("str").reset_index(drop=True)
        stripped = values
        if may_have_edge_space(values):
            stripped = values.str.strip()
            trimmed += int((stripped != values).sum())
        if col in _TIME_COLUMNS.get(name, ()) and may_have_short_times(stripped):
            stripped, count = _padded_times(stripped)
            padded += count
        data[col] = stripped
    return pd.DataFrame(data, index=pd.RangeIndex(len(frame))), trimmed, padded
