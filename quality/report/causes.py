"""Findings that share one cause: the stops named by many findings at once.

One misplaced stop makes every trip through it "too fast" and "too far from its shape": hundreds
of findings, one thing to fix. `shared_causes` picks, greedily, the stop named by the most
findings not yet explained, then the next one among the rest, as long as a stop explains at
least MIN_FINDINGS findings and MIN_SHARE of its severity's findings; each cause lists how many
findings of each code it explains, so the report says "stop X is behind 1,392 of 1,398 warnings"
before listing them code by code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, TypedDict

import pandas as pd

from quality.report.stops import STOP_CONTEXT_KEYS, stop_ids
from quality.result import ValidationOutcome

MIN_FINDINGS = 5
MIN_SHARE = 0.1
MAX_CAUSES = 5


class Cause(TypedDict):
    stop_id: str
    name: str | None
    count: int
    """Findings (not waived) naming this stop and no cause listed before it."""
    by_severity: dict[str, int]
    by_code: dict[str, int]


def shared_causes(outcome: ValidationOutcome) -> list[Cause]:
    """The stops behind most of the findings (module docstring), biggest first; INFO and waived
    findings are left out."""
    frame = outcome.notices
    if frame.empty or "context" not in frame.columns:
        return []
    live = frame[frame["severity"] != "INFO"]
    if "waived" in live.columns:
        live = live[~live["waived"].fillna(False).astype(bool)]
    named: list[tuple[set[str], str, str]] = []
    for code, severity, context in zip(live["code"], live["severity"], live["context"], strict=True):
        ids: set[str] = set()
        if isinstance(context, Mapping):
            for key in STOP_CONTEXT_KEYS:
                ids.update(stop_ids(context.get(key)))
        if ids:
            named.append((ids, str(code), str(severity)))
    totals = Counter(severity for severity in live["severity"].astype(str))
    names = _stop_names(outcome.stops)
    causes: list[Cause] = []
    remaining = named
    while remaining and len(causes) < MAX_CAUSES:
        counts = Counter(stop for ids, _, _ in remaining for stop in ids)
        stop, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
        explained = [item for item in remaining if stop in item[0]]
        by_severity = Counter(severity for _, _, severity in explained)
        share = max(by_severity[severity] / totals[severity] for severity in by_severity if totals[severity])
        if count < MIN_FINDINGS or share < MIN_SHARE:
            break
        causes.append({"stop_id": stop, "name": names.get(stop), "count": count,
                       "by_severity": dict(sorted(by_severity.items(), key=lambda item: _rank(item[0]))),
                       "by_code": dict(Counter(code for _, code, _ in explained).most_common())})
        remaining = [item for item in remaining if stop not in item[0]]
    return causes


def _rank(severity: str) -> int:
    return {"ERROR": 0, "WARNING": 1, "INFO": 2}.get(severity, 3)


def _stop_names(stops: pd.DataFrame | None) -> dict[str, Any]:
    if stops is None or stops.empty or "stop_id" not in stops.columns or "stop_name" not in stops.columns:
        return {}
    return {str(stop): (None if name is None or pd.isna(name) else str(name))
            for stop, name in zip(stops["stop_id"].tolist(), stops["stop_name"].tolist(), strict=True)}
