"""The configurable quality score: four objectives scored 0-100, weighted by the ScoringFrame.

- compliance: 100 minus, per severity, `frame.compliance_penalty_per_thousand[severity]` points
  per finding per thousand feed rows; floored at 0. Waived findings (a truthy `waived` column,
  added by the gate) do not count.
- freshness: a mix (FRESHNESS_MIX) of validity ahead, `days until feed_end / full_days_ahead`
  (capped at 1, 0 once expired or without any service date), and recency,
  `1 - days since last change / stale_days` (0 at stale_days or later). An unknown last change
  leaves recency out of the mix.
- availability: share of successful fetches over the window. Without any fetch history it is
  unknown: the component is left out and the other weights are renormalised (said in details).
- completeness: the mean of COMPLETENESS_ITEMS, each 0-1: shapes, feed_info and translations
  present, share of stops with wheelchair_boarding filled, of trips with wheelchair_accessible.

`total` is the weighted mean of the known components. `details` holds every figure used, so a
report can explain the score. Pure and deterministic: the same inputs give the same score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import pandas as pd

from quality.config import ScoringFrame
from quality.notices import Severity
from quality.result import ScoreResult
from regie.gtfs.feed_tables import FeedTables

OBJECTIVES = ("compliance", "freshness", "availability", "completeness")
FRESHNESS_MIX = {"validity_ahead": 0.6, "recency": 0.4}
"""How freshness weighs days of validity left against days since the feed last changed."""
COMPLETENESS_ITEMS = (
    "shapes", "feed_info", "translations", "stops_wheelchair_boarding", "trips_wheelchair_accessible",
)
"""Equally weighted; the accessibility items are the share of rows with the field filled."""
_INFORMATIVE_ACCESSIBILITY = ("1", "2")  # 0 or empty: "no information"
_STATION_LEVEL_LOCATION_TYPES = ("", "0", "1", "2")  # stops, stations, entrances: where it applies


def _clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True)
class Completeness:
    """What a feed offers beyond the required files (shares are 0-1 of the rows concerned)."""

    has_shapes: bool = False
    has_feed_info: bool = False
    has_translations: bool = False
    stops_wheelchair_boarding: float = 0.0
    trips_wheelchair_accessible: float = 0.0

    @classmethod
    def from_feed(cls, feed: FeedTables) -> Completeness:
        stops = feed.get("stops")
        if stops is not None and len(stops) and "location_type" in stops.columns:
            stops = stops[stops["location_type"].str.strip().isin(_STATION_LEVEL_LOCATION_TYPES)]
        return cls(
            has_shapes=feed.has("shapes"),
            has_feed_info=feed.has("feed_info"),
            has_translations=feed.has("translations"),
            stops_wheelchair_boarding=_filled_share(stops, "wheelchair_boarding"),
            trips_wheelchair_accessible=_filled_share(feed.get("trips"), "wheelchair_accessible"),
        )

    def items(self) -> dict[str, float]:
        """Each COMPLETENESS_ITEMS entry as 0-1."""
        return {
            "shapes": float(self.has_shapes),
            "feed_info": float(self.has_feed_info),
            "translations": float(self.has_translations),
            "stops_wheelchair_boarding": _clamp(float(self.stops_wheelchair_boarding), 0.0, 1.0),
            "trips_wheelchair_accessible": _clamp(float(self.trips_wheelchair_accessible), 0.0, 1.0),
        }


def _filled_share(frame: pd.DataFrame | None, column: str) -> float:
    """Share of rows whose accessibility field says something (1 or 2); 0 without the column."""
    if frame is None or len(frame) == 0 or column not in frame.columns:
        return 0.0
    return float(frame[column].str.strip().isin(_INFORMATIVE_ACCESSIBILITY).mean())


def compliance_score(notices: pd.DataFrame, row_counts: dict[str, int], frame: ScoringFrame) -> tuple[float, dict[str, Any]]:
    rows = int(sum(max(0, int(count)) for count in row_counts.values()))
    counted = notices
    waived = 0
    if "waived" in notices.columns and len(notices):
        mask = notices["waived"].fillna(False).astype(bool)
        waived = int(mask.sum())
        counted = notices[~mask]
    by_severity = counted["severity"].value_counts() if len(counted) else pd.Series(dtype="int64")
    thousands = max(rows, 1) / 1000.0
    findings, per_thousand, penalty = {}, {}, {}
    for severity in Severity:
        count = int(by_severity.get(severity.value, 0))
        findings[severity.value] = count
        per_thousand[severity.value] = count / thousands
        penalty[severity.value] = frame.compliance_penalty_per_thousand.get(severity.value, 0.0) * per_thousand[severity.value]
    score = _clamp(100.0 - sum(penalty.values()))
    return score, {
        "rows": rows,
        "findings": findings,
        "waived_excluded": waived,
        "findings_per_thousand_rows": {k: round(v, 6) for k, v in per_thousand.items()},
        "penalty_per_finding_per_thousand": dict(frame.compliance_penalty_per_thousand),
        "penalty": {k: round(v, 6) for k, v in penalty.items()},
        "score": round(score, 6),
    }


def freshness_score(
    validation_date: date, feed_end: date | None, last_changed: date | None, frame: ScoringFrame
) -> tuple[float, dict[str, Any]]:
    details: dict[str, Any] = {
        "validation_date": validation_date.isoformat(),
        "feed_end": feed_end.isoformat() if feed_end else None,
        "full_days_ahead": frame.freshness_full_days_ahead,
        "last_changed": last_changed.isoformat() if last_changed else None,
        "stale_days": frame.freshness_stale_days,
    }
    parts: dict[str, float] = {}
    if feed_end is None:
        details["days_until_expiry"] = None
        details["validity_ahead_note"] = "no service date in the feed: no validity ahead"
        parts["validity_ahead"] = 0.0
    else:
        days_ahead = (feed_end - validation_date).days
        details["days_until_expiry"] = days_ahead
        parts["validity_ahead"] = _clamp(100.0 * days_ahead / frame.freshness_full_days_ahead)
    if last_changed is None:
        details["days_since_change"] = None
        details["recency_note"] = "last change unknown: recency left out, freshness is validity ahead alone"
    else:
        days_since = (validation_date - last_changed).days
        details["days_since_change"] = days_since
        parts["recency"] = _clamp(100.0 * (1.0 - max(days_since, 0) / frame.freshness_stale_days))
    mix = {name: FRESHNESS_MIX[name] for name in parts}
    weight = sum(mix.values())
    score = _clamp(sum(parts[name] * mix[name] for name in parts) / weight)
    details.update({
        "parts": {name: round(value, 6) for name, value in parts.items()},
        "mix": {name: round(share / weight, 6) for name, share in mix.items()},
        "score": round(score, 6),
    })
    return score, details


def availability_score(fetch_outcomes: list[bool], frame: ScoringFrame) -> tuple[float | None, dict[str, Any]]:
    fetches = len(fetch_outcomes)
    successes = sum(1 for outcome in fetch_outcomes if outcome)
    details: dict[str, Any] = {"window_days": frame.availability_window_days, "fetches": fetches, "successes": successes}
    if fetches == 0:
        details["score"] = None
        details["note"] = "no fetch in the window: availability unknown, left out and the other weights renormalised"
        return None, details
    score = _clamp(100.0 * successes / fetches)
    details["score"] = round(score, 6)
    return score, details


def completeness_score(completeness: Completeness) -> tuple[float, dict[str, Any]]:
    items = completeness.items()
    score = _clamp(100.0 * sum(items.values()) / len(items))
    return score, {"items": {k: round(v, 6) for k, v in items.items()}, "inputs": asdict(completeness),
                   "score": round(score, 6)}


def compute_score(
    *,
    notices: pd.DataFrame,
    row_counts: dict[str, int],
    frame: ScoringFrame,
    validation_date: date,
    feed_end: date | None,
    last_changed: date | None,
    fetch_outcomes: list[bool],
    completeness: Completeness,
) -> ScoreResult:
    """The total 0-100 and each known component 0-100 (rounded to 2 decimals), with details."""
    compliance, compliance_details = compliance_score(notices, row_counts, frame)
    freshness, freshness_details = freshness_score(validation_date, feed_end, last_changed, frame)
    availability, availability_details = availability_score(list(fetch_outcomes), frame)
    complete, completeness_details = completeness_score(completeness)
    scores: dict[str, float | None] = {
        "compliance": compliance, "freshness": freshness, "availability": availability, "completeness": complete,
    }
    weights = {name: float(getattr(frame, name)) for name in OBJECTIVES}
    known = {name: score for name, score in scores.items() if score is not None}
    known_weight = sum(weights[name] for name in known)
    effective = {name: weights[name] / known_weight for name in known}
    total = _clamp(sum(score * effective[name] for name, score in known.items()))
    details = {
        "weights": weights,
        "effective_weights": {name: round(weight, 6) for name, weight in effective.items()},
        "omitted": [name for name, score in scores.items() if score is None],
        "compliance": compliance_details,
        "freshness": freshness_details,
        "availability": availability_details,
        "completeness": completeness_details,
    }
    return ScoreResult(
        total=round(total, 2),
        components={name: round(score, 2) for name, score in known.items()},
        details=details,
    )
