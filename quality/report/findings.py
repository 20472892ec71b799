"""What the JSON and HTML reports share: the findings grouped by code with their samples, the
verdict, and short content hashes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from quality.result import ValidationOutcome
from regie.pages.encode import jsonable

SAMPLE_KEYS_SHOWN_ELSEWHERE = frozenset({"filename", "csvRowNumber", "fieldName"})
"""Context keys that repeat the notice's own file/row/field columns."""


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
    """One finding as a sample: MobilityData's keys first, then the notice's context keys sorted."""
    context = row.get("context")
    if not isinstance(context, Mapping):
        context = {}
    file, line, field = row.get("file"), row.get("row"), row.get("field")
    sample: dict[str, Any] = {
        "filename": None if pd.isna(file) else file,
        "csvRowNumber": None if line is None or pd.isna(line) else int(line),
        "fieldName": None if field is None or pd.isna(field) else field,
        "message": row.get("message"),
    }
    # the context in a stable order (the engine's JSON objects come in any order)
    sample.update({key: context[key] for key in sorted(context, key=str) if key not in sample or sample[key] is None})
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


