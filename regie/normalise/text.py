"""Text clean-up on the all-string tables: trim whitespace, pad single-digit hours."""

from __future__ import annotations

import pandas as pd

from quality.feed_tables import ROW

_TIME_COLUMNS = {"stop_times": ("arrival_time", "departure_time", "start_pickup_drop_off_window",
                                "end_pickup_drop_off_window"),
                 "frequencies": ("start_time", "end_time"), "timeframes": ("start_time", "end_time")}


def clean_table(name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """A new frame without `_row`, every value a stripped string ("" for missing), times as
    HH:MM:SS ('7:05:00' → '07:05:00'; invalid times left as they are). Returns the frame and
    the number of values trimmed and of times padded."""
    columns = [c for c in frame.columns if c != ROW]
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    trimmed = padded = 0
    for col in columns:
        values = frame[col].fillna("").astype("str").reset_index(drop=True)
        stripped = values.str.strip()
        trimmed += int((stripped != values).sum())
        if col in _TIME_COLUMNS.get(name, ()):
            fixed = stripped.str.replace(r"^(\d:[0-5]\d:[0-5]\d)$", r"0\1", regex=True)
            padded += int((fixed != stripped).sum())
            stripped = fixed
        out[col] = stripped
    return out, trimmed, padded
