"""Compacted tables (`regie.gtfs.compact`): categoricals that read back as the same text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regie.gtfs.columns import text_codes
from regie.gtfs.compact import compact_frame, compact_tables, dictionary_array, expanded, is_compact


def _frame(rows: int = 1_000) -> pd.DataFrame:
    return pd.DataFrame({
        "trip_id": pd.Series([f"op:t{i // 20}" for i in range(rows)], dtype="str"),
        "pickup_type": pd.Series(["" if i % 3 else "0" for i in range(rows)], dtype="str"),
        "shape_pt_lat": pd.Series([f"37.{i:06d}" for i in range(rows)], dtype="str"),  # all distinct
        "stop_sequence": np.arange(rows) % 20,
    })


def test_compacted_frames_read_back_as_the_same_text():
    frame = _frame()
    compact = compact_frame(frame)
    assert is_compact(compact["trip_id"]) and is_compact(compact["pickup_type"])
    assert compact["trip_id"].cat.codes.dtype == np.int8  # 50 distinct values
    assert not is_compact(compact["shape_pt_lat"])  # mostly distinct: left as text
    assert compact["stop_sequence"].dtype == frame["stop_sequence"].dtype  # numbers untouched
    for name in ("trip_id", "pickup_type"):
        assert compact[name].memory_usage(deep=True) < frame[name].memory_usage(deep=True) / 3
    pd.testing.assert_frame_equal(expanded(compact), frame)
    assert list(compact_tables({"big": frame, "small": frame.head(5)}, min_rows=100)["small"].dtypes) == \
        list(frame.dtypes)


def test_codes_of_a_compacted_column_equal_those_of_its_text():
    values = pd.Series(["a", " b", "a", "", "b ", "c"] * 5, dtype="str")
    compact = compact_frame(pd.DataFrame({"v": values}))["v"]
    assert is_compact(compact)
    for series in (compact, values):
        codes, distinct = text_codes(series)
        expected_codes, expected = text_codes(values)
        assert list(np.asarray(distinct, dtype=object)[codes]) == list(np.asarray(expected, dtype=object)[expected_codes])
    missing = pd.Series(pd.Categorical(["x", None, "x"]))
    codes, distinct = text_codes(missing)
    assert list(np.asarray(distinct, dtype=object)[codes]) == ["x", "", "x"]
    assert dictionary_array(missing).to_pylist() == ["x", None, "x"]
