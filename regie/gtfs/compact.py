"""Compact normalised tables for the region step, where every operator's feed stays in memory
until the regional zips are written.

GTFS text repeats a lot (a stop_times row repeats its trip, stop, times and flags), so the large
tables are kept as pandas categoricals: one small integer code per value into the distinct
values. HART's stop_times (438k rows) takes ~46 MiB as Arrow strings and ~14 MiB so. Every
consumer still reads them as text (`expanded`, `quality.rules._common.column`, or the codes of
the distinct values with `text_codes`); the zip writer
renders them batch by batch without expanding the whole table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

COMPACT_MIN_ROWS = 10_000  # smaller tables stay plain strings (nothing to gain)
MOSTLY_DISTINCT = 0.5  # a column with more distinct values than this share of its rows stays text


def is_compact(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.CategoricalDtype)


def compact_text(values: pd.Series) -> pd.Series:
    """A text column as a categorical, distinct values in order of appearance (Arrow's hash
    encoding: no sort), codes as small as the number of distinct values allows."""
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        text = pa.array(values.array)
        text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    else:
        text = pa.array(values.to_numpy(dtype=object), type=pa.large_string())
    encoded = text.fill_null("").dictionary_encode()
    if len(encoded.dictionary) > MOSTLY_DISTINCT * len(encoded):
        return values
    codes = encoded.indices.to_numpy()
    small = next(t for t in (np.int8, np.int16, np.int32, np.int64) if len(encoded.dictionary) < np.iinfo(t).max)
    dtype = pd.CategoricalDtype(pd.Index(encoded.dictionary.to_pandas(types_mapper=pd.ArrowDtype).astype("str")))
    return pd.Series(pd.Categorical.from_codes(codes.astype(small, copy=False), dtype=dtype, validate=False),
                     index=values.index, name=values.name)


def compact_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text column as a categorical (`compact_text`), but those whose values are mostly
    distinct (shape coordinates): a dictionary would save nothing there."""
    return pd.DataFrame({name: compact_text(values) if pd.api.types.is_string_dtype(values.dtype)
                         and not is_compact(values) else values for name, values in frame.items()}, index=frame.index)


def compact_tables(tables: dict[str, pd.DataFrame], *, min_rows: int = COMPACT_MIN_ROWS) -> dict[str, pd.DataFrame]:
    """The tables, those of at least `min_rows` rows compacted."""
    return {name: compact_frame(frame) if len(frame) >= min_rows else frame for name, frame in tables.items()}


def categories_text(values: pd.Series) -> pa.Array:
    """A categorical column's distinct values as Arrow large_string (no copy when they are Arrow text)."""
    categories = values.cat.categories
    if isinstance(categories.array, pd.arrays.ArrowStringArray):
        text = pa.array(categories.array)
        text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    else:
        text = pa.array(categories.to_numpy(dtype=object), type=pa.large_string())
    return text if pa.types.is_large_string(text.type) else text.cast(pa.large_string())


def dictionary_array(values: pd.Series) -> pa.DictionaryArray:
    """A categorical column as an Arrow dictionary array (large_string values, missing as null)."""
    codes = values.cat.codes.to_numpy()
    indices = pa.array(codes, mask=codes < 0) if len(codes) and codes.min() < 0 else pa.array(codes)
    return pa.DictionaryArray.from_arrays(indices, categories_text(values))


def expanded_text(values: pd.Series) -> pd.Series:
    """A categorical column back to strings ("" for missing)."""
    decoded = dictionary_array(values).dictionary_decode().fill_null("")
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([decoded])), index=values.index,
                     name=values.name).astype("str")


def expanded(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with categoricals back to strings."""
    if not any(is_compact(values) for _, values in frame.items()):
        return frame
    return pd.DataFrame({name: expanded_text(values) if is_compact(values) else values
                         for name, values in frame.items()}, index=frame.index)


__all__ = ["COMPACT_MIN_ROWS", "categories_text", "compact_frame", "compact_tables", "compact_text",
           "dictionary_array", "expanded", "expanded_text", "is_compact"]
