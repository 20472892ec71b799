"""Shared helpers of the own rules: column access on the all-string frames, distances, times,
and building notice frames column-wise (never row by row)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from quality.notices import NOTICE_COLUMNS, Severity, Source, concat_notices, notices_frame

_NO_NOTICES = notices_frame()


def no_notices() -> pd.DataFrame:
    """An empty notice frame: a copy of one built once (`notices_frame()` takes ~2 ms, and most
    checks find nothing on most feeds)."""
    return _NO_NOTICES.copy()


def combined(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """`concat_notices` of the frames, `no_notices()` when none has a finding."""
    found = [frame for frame in frames if len(frame)]
    return concat_notices(found) if found else no_notices()








































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
