"""Column helpers on the all-string frames that work on their Arrow data (no Python objects):
lookups of ids in a set of ids, text built from per-row codes, shifted GTFS times.

pandas keeps `str` columns as Arrow large_string arrays; `pyarrow.compute` hashes and takes on
them in C++, where `Series.map` with a Series or `astype(object)` go through Python objects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from regie.gtfs.columns import gtfs_seconds


def arrow(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as Arrow text (zero-copy for a `str` column)."""
    array = values.array
    if not isinstance(array, pd.arrays.ArrowStringArray):
        array = values.astype("str").array
    return pa.array(array)


def _flat(values: pd.Series | np.ndarray | list) -> pa.Array:
    data = arrow(values) if isinstance(values, pd.Series) else pa.array(np.asarray(values, dtype=object), pa.large_string())
    if isinstance(data, pa.ChunkedArray):
        data = data.combine_chunks() if data.num_chunks != 1 else data.chunk(0)
    return data if pa.types.is_large_string(data.type) else data.cast(pa.large_string())


def positions(values: pd.Series, keys: pd.Series | np.ndarray | list) -> np.ndarray:
    """For each value, the position of its first occurrence in `keys`; -1 when absent (what
    `values.map(pd.Series(range(n), index=keys))` gives, without Python objects)."""
    try:
        value_set = _flat(keys)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # keys that are not all text: pandas does it
        index = pd.Index(keys)
        unique = ~index.duplicated()
        first = pd.Series(np.arange(len(index))[unique], index=index[unique])
        return values.map(first).fillna(-1).to_numpy(dtype=np.int64)
    found = pc.fill_null(pc.index_in(arrow(values), value_set=value_set), -1)
    if isinstance(found, pa.ChunkedArray):
        found = found.combine_chunks() if found.num_chunks != 1 else found.chunk(0)
    return found.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def mapped(values: pd.Series, mapping: pd.Series) -> np.ndarray:
    """`values.map(mapping)` as floats (NaN where absent) for a numeric mapping keyed by text."""
    found = positions(values, mapping.index.to_numpy())
    return np.where(found >= 0, mapping.to_numpy(dtype=float)[np.maximum(found, 0)] if len(mapping) else np.nan,
                    np.nan)


def text_series(texts: list[str] | pa.Array | pa.ChunkedArray, codes: np.ndarray,
                index: pd.Index | None = None) -> pd.Series:
    """A `str` column whose row i is texts[codes[i]] (an Arrow take)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    dictionary = texts if isinstance(texts, pa.Array) else pa.array(texts, pa.large_string())
    if not pa.types.is_large_string(dictionary.type):
        dictionary = dictionary.cast(pa.large_string())
    taken = pc.take(dictionary, pa.array(np.asarray(codes, dtype=np.int64)))
    return pd.Series(taken, dtype="str", index=index)


def clock(seconds: np.ndarray) -> pa.Array:
    """Whole seconds as HH:MM:SS (hours may exceed 24), as f"{h:02d}:{m:02d}:{s:02d}" writes
    them, vectorised (a negative value, never a valid time, through Python)."""
    total = np.asarray(seconds, dtype=np.int64)
    if len(total) and total.min() < 0:
        return pa.array([f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}" for t in total.tolist()],
                        pa.large_string())
    parts = [pc.utf8_lpad(pc.cast(pa.array(part), pa.large_string()), 2, padding="0")
             for part in (total // 3600, total % 3600 // 60, total % 60)]
    return pc.binary_join_element_wise(*parts, pa.scalar(":", pa.large_string()))


def shifted_times(values: pd.Series, delta: np.ndarray) -> pd.Series:
    """GTFS times (stripped text) plus `delta` seconds per row, written HH:MM:SS; a value that is
    not a time is kept as it is. Each distinct time is parsed once and each distinct (time, delta)
    formatted once. Equals `format_seconds(gtfs_seconds(values) + delta)` where that is a time,
    else `values`."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    unique_text = pd.Series(uniques, dtype="str")
    parsed = gtfs_seconds(unique_text).to_numpy(dtype=float)
    delta = np.broadcast_to(np.asarray(delta, dtype=float), codes.shape)
    delta_codes, deltas = pd.factorize(delta, use_na_sentinel=False)
    pair = codes.astype(np.int64) * len(deltas) + delta_codes
    if len(uniques) * len(deltas) <= max(4 * len(pair), 1 << 20):  # distinct pairs without a sort
        present = np.zeros(len(uniques) * len(deltas), dtype=bool)
        present[pair] = True
        keys = np.flatnonzero(present)
        inverse = (np.cumsum(present) - 1)[pair]
    else:
        keys, inverse = np.unique(pair, return_inverse=True)
    shifted = parsed[keys // len(deltas)] + deltas[keys % len(deltas)]
    valid = ~np.isnan(shifted)
    texts = pa.concat_arrays([clock(shifted[valid]), _flat(unique_text)])
    target = np.where(valid, np.cumsum(valid) - 1, len(texts) - len(uniques) + keys // len(deltas))
    return text_series(texts, target[inverse.reshape(-1)], values.index)


__all__ = ["arrow", "clock", "mapped", "positions", "shifted_times", "text_series"]
