"""Findings in MobilityData's shape: code, severity, and where (file, row, field).

All findings of one validation live in one DataFrame with NOTICE_COLUMNS, so that rules stay
vectorised, waivers apply as masks, and reports group by (code, severity).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


class Severity(StrEnum):
    ERROR = "ERROR"
    WARNING = "WARNING"
    INFO = "INFO"


class Source(StrEnum):
    PRESCREEN = "prescreen"  # the zip inspection that runs before anything reads the feed
    CANONICAL = "canonical"  # MobilityData's rule set (gtfs-guru)
    REGIE = "regie"  # our own rules, where the canonical set is silent
    EXPECTATIONS = "expectations"  # the region's Great Expectations suites
    POOL = "pool"  # checks across the operators' normalised feeds (`regie.integrate.checks`)


NOTICE_COLUMNS = ["code", "severity", "source", "file", "row", "field", "message", "context"]
"""code: snake_case notice code; severity: Severity value; source: Source value;
file: GTFS file name (e.g. "stops.txt") or None; row: 1-based CSV line number (the header is
line 1, as MobilityData's csvRowNumber) or None; field: column name or None; message: one
plain-language sentence; context: dict of extra sample fields (ids, values), JSON-serialisable."""


def notice(
    code: str,
    severity: Severity | str,
    source: Source | str,
    message: str,
    *,
    file: str | None = None,
    row: int | None = None,
    field: str | None = None,
    **context: Any,
) -> dict[str, Any]:
    """One finding as a record, for the few places that find things one at a time."""
    return {
        "code": code, "severity": str(Severity(severity)), "source": str(Source(source)),
        "file": file, "row": row, "field": field, "message": message, "context": context,
    }


def notices_frame(records: Iterable[Mapping[str, Any]] | pd.DataFrame | None = None) -> pd.DataFrame:
    """A findings frame with exactly NOTICE_COLUMNS (missing columns filled with None)."""
    import pandas as pd  # on first use: `regie validate` starts the canonical engine before pandas loads

    frame = pd.DataFrame(list(records) if records is not None and not isinstance(records, pd.DataFrame) else records)
    for column in NOTICE_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame = frame[NOTICE_COLUMNS].copy()
    frame["row"] = pd.to_numeric(frame["row"], errors="coerce").astype("Int64")
    for column in ("file", "field"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame["context"] = [value if isinstance(value, dict) else {} for value in frame["context"]]
    return frame


def concat_notices(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One findings frame from several (normalised once, after concatenation)."""
    import pandas as pd  # on first use (see notices_frame)

    frames = [frame for frame in frames if frame is not None and len(frame)]
    if not frames:
        return notices_frame()
    columns = [frame.reindex(columns=NOTICE_COLUMNS).astype({"row": "Float64"}) for frame in frames]
    return notices_frame(pd.concat(columns, ignore_index=True))
