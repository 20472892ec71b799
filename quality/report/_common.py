"""What the JSON and HTML reports share: JSON-safe values, atomic writes, findings with samples."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, time
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from quality.result import ValidationOutcome

SAMPLE_KEYS_SHOWN_ELSEWHERE = frozenset({"filename", "csvRowNumber", "fieldName"})
"""Context keys that repeat the notice's own file/row/field columns."""


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


def write_atomic_text(path: Path, text: str) -> None:
    """Write `text` as UTF-8 through a temporary sibling file and `os.replace`: readers see the
    old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def verdict(outcome: ValidationOutcome) -> str:
    """"blocked" when a finding blocks and is not waived, else "accepted"."""
    return "blocked" if outcome.blocked else "accepted"


def short_hash(content_hash: str | None, length: int = 12) -> str | None:
    """The first characters of a content hash, without an algorithm prefix ("sha256:")."""
    if not content_hash:
        return None
    return str(content_hash).split(":", 1)[-1][:length]


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column].fillna(False).astype(bool)
    return pd.Series(False, index=frame.index)


def _sample(row: Mapping[str, Any]) -> dict[str, Any]:
    """One finding as a sample: MobilityData's keys first, then the notice's context."""
    context = row.get("context") if isinstance(row.get("context"), Mapping) else {}
    file, line, field = row.get("file"), row.get("row"), row.get("field")
    sample: dict[str, Any] = {
        "filename": None if pd.isna(file) else file,
        "csvRowNumber": None if line is None or pd.isna(line) else int(line),
        "fieldName": None if field is None or pd.isna(field) else field,
        "message": row.get("message"),
    }
    sample.update({key: value for key, value in context.items() if key not in sample or sample[key] is None})
    waived = bool(row.get("waived")) if row.get("waived") is not None and not pd.isna(row.get("waived")) else False
    sample["waived"] = waived
    waiver = row.get("waiver")
    sample["waiver"] = None if waiver is None or (not isinstance(waiver, str) and pd.isna(waiver)) else str(waiver)
    return jsonable(sample)


_LAST_FINDINGS: list[Any] = [None, None, None]  # notices frame, samples, findings: the last ones worked out


def findings(outcome: ValidationOutcome, samples: int = 20) -> list[dict[str, Any]]:
    """One entry per (code, severity), in `ValidationOutcome.groups()`'s order (errors first, then
    by count): code, severity, source, count, waived_count, blocking_count, files, and up to
    `samples` samples (filename, csvRowNumber, fieldName, message, waived, waiver, context keys).
    Worked out once for the JSON and the HTML report of one outcome (each gets its own group
    dicts; the samples are shared and never changed)."""
    frame, count, cached = _LAST_FINDINGS
    if frame is not outcome.notices or count != samples:
        cached = _findings(outcome, samples)
        _LAST_FINDINGS[:] = [outcome.notices, samples, cached]
    return [dict(group) for group in cached]


def _findings(outcome: ValidationOutcome, samples: int) -> list[dict[str, Any]]:
    groups = outcome.groups(samples=0)
    frame = outcome.notices
    if not groups:
        return []
    for column in ("waived", "blocking"):
        frame = frame.assign(**{column: _flag(frame, column)})
    if "waiver" not in frame.columns:
        frame = frame.assign(waiver=None)
    by_key: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for record in frame.groupby(["code", "severity"], sort=False).head(samples).to_dict("records"):
        by_key.setdefault((record["code"], record["severity"]), []).append(_sample(record))
    return [{**group, "samples": by_key.get((group["code"], group["severity"]), [])} for group in groups]


def relative_link(link: Any) -> str | None:
    """`link` when it is a relative URL (no scheme, no host, not absolute), else None: pages link
    only to their neighbours, never to what a feed or a config could smuggle in."""
    if not link:
        return None
    text = str(link)
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or text.startswith(("/", "\\")) or any(ord(char) < 32 for char in text):
        return None
    return text
