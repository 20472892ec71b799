"""The outcome of validating one feed version: what the gate, the catalogue and the reports use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from quality.notices import Severity

GATE_COLUMNS = ["waived", "blocking", "waiver"]
"""Added to the notice frame by the gate: waived (bool), blocking (bool: blocks unless waived),
waiver (str reason + who, or None)."""


@dataclass(frozen=True)
class ScoreResult:
    """Total 0-100 and each objective's 0-100 component, with the figures behind them."""

    total: float
    components: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class ValidationOutcome:
    feed_path: Path
    validation_date: date
    notices: pd.DataFrame  # NOTICE_COLUMNS + GATE_COLUMNS
    row_counts: dict[str, int] = field(default_factory=dict)
    stops: pd.DataFrame | None = None  # stop_id, stop_name, stop_lat, stop_lon (floats), location_type
    score: ScoreResult | None = None
    expectations: dict[str, Any] = field(default_factory=dict)
    engine: str = ""
    engine_version: str = ""
    duration_s: float = 0.0
    engine_peak_rss_mib: float | None = None  # the canonical engine's child process, when it reports it
    operator_id: str | None = None
    feed_id: str | None = None
    content_hash: str | None = None
    feed_start: date | None = None  # first service day found in the feed
    feed_end: date | None = None  # last service day found in the feed

    @property
    def readable(self) -> bool:
        """Whether any table could be read at all (else `regie validate` exits 2)."""
        return any(count > 0 for count in self.row_counts.values())

    @property
    def blocking_notices(self) -> pd.DataFrame:
        frame = self.notices
        if "blocking" not in frame.columns:
            return frame.iloc[0:0]
        return frame[frame["blocking"].astype(bool) & ~frame["waived"].astype(bool)]

    @property
    def blocked(self) -> bool:
        return len(self.blocking_notices) > 0

    def counts_by_severity(self) -> dict[str, int]:
        counts = self.notices["severity"].value_counts()
        return {severity.value: int(counts.get(severity.value, 0)) for severity in Severity}

    def groups(self, samples: int = 20) -> list[dict[str, Any]]:
        """One entry per (code, severity): count, waived and blocking counts, first samples."""
        frame = self.notices
        if frame.empty:
            return []
        order = {Severity.ERROR.value: 0, Severity.WARNING.value: 1, Severity.INFO.value: 2}
        groups = []
        for (code, severity), rows in frame.groupby(["code", "severity"], sort=False):
            waived = rows["waived"].astype(bool) if "waived" in rows else pd.Series(False, index=rows.index)
            blocking = rows["blocking"].astype(bool) if "blocking" in rows else pd.Series(False, index=rows.index)
            groups.append({
                "code": code,
                "severity": severity,
                "source": rows["source"].iloc[0],
                "count": int(len(rows)),
                "waived_count": int(waived.sum()),
                "blocking_count": int((blocking & ~waived).sum()),
                "files": sorted({f for f in rows["file"] if f}),
                "samples": [
                    {"file": r.file, "row": None if pd.isna(r.row) else int(r.row), "field": r.field,
                     "message": r.message, "waived": bool(getattr(r, "waived", False)), **r.context}
                    for r in rows.head(samples).itertuples(index=False)
                ] if samples > 0 else [],
            })
        groups.sort(key=lambda g: (order.get(g["severity"], 3), -g["count"], g["code"]))
        return groups
