"""GTFS times as text (`regie.gtfs.times.format_seconds`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regie.gtfs.times import format_seconds


def test_seconds_are_written_hh_mm_ss_with_hours_past_24_and_nan_empty():
    seconds = pd.Series([0, 3661, 25 * 3600 + 5, np.nan, 3661, 100 * 3600 + 59 * 60 + 59, 86399],
                        index=[10, 11, 12, 13, 14, 15, 16])
    text = format_seconds(seconds)
    assert text.tolist() == ["00:00:00", "01:01:01", "25:00:05", "", "01:01:01", "100:59:59", "23:59:59"]
    assert text.index.tolist() == [10, 11, 12, 13, 14, 15, 16]


def test_all_missing_and_empty_inputs():
    assert format_seconds(pd.Series([np.nan, np.nan])).tolist() == ["", ""]
    assert format_seconds(pd.Series([], dtype=float)).tolist() == []
