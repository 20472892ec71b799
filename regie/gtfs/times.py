"""GTFS times as text: seconds after midnight formatted HH:MM:SS (hours may exceed 24)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from regie.gtfs.arrow_text import clock, text_series


def format_seconds(seconds: pd.Series) -> pd.Series:
    """Seconds after midnight as HH:MM:SS (hours may exceed 24); "" where NaN. Formats each
    distinct value once (a timetable repeats few distinct times)."""
    values = seconds.to_numpy(dtype=float)
    valid = ~np.isnan(values)
    distinct, inverse = np.unique(values[valid].astype("int64"), return_inverse=True)
    picks = np.full(len(values), len(distinct), dtype=np.int64)
    picks[valid] = inverse.reshape(-1)
    return text_series(pa.concat_arrays([clock(distinct), pa.array([""], pa.large_string())]), picks, seconds.index)
