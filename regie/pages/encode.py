"""JSON for pages and machine-readable reports: plain values from numpy, pandas, dates, enums and
dataclasses; JSON safe to embed in a <script> element."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, time
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def jsonable(value: Any) -> Any:
    """`value` as plain JSON types: NaN, NA, NaT and infinities become None, numpy scalars Python
    numbers, dates ISO strings, paths strings, sets sorted lists; anything else its str()."""
    kind = type(value)  # the plain types first: reports hold tens of thousands of them
    if kind is str or kind is bool or kind is int or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {str(key): jsonable(item) for key, item in value.items()}
    if kind is list:
        return [jsonable(item) for item in value]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray | pd.Series | pd.Index):
        return [jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(item) for item in value), key=str)
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, Path):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Strict JSON (never NaN/Infinity) of `jsonable(value)`, UTF-8 characters kept as they are."""
    return json.dumps(jsonable(value), ensure_ascii=False, allow_nan=False, indent=indent)


def script_json(value: Any) -> str:
    """JSON safe inside `<script type="application/json">`: `<`, `>`, `&` and the JS line
    separators are written as \\u escapes, so no `</script>` or `<!--` can end the block."""
    text = dumps(value)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text
