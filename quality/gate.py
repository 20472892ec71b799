"""The gate: which findings block, which are waived, and which version is in force.

A waived finding is still reported (marked waived) and does not block; an expired waiver stops
applying. The accepted version is the newest one without blocking findings, so a broken new
version never replaces the last good one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from quality.config import Blocking, Waiver


@dataclass(frozen=True)
class WaiverUse:
    waiver: Waiver
    active: bool
    matched: int


def _matches_filter(frame: pd.DataFrame, key: str, wanted: str | list[str]) -> pd.Series:
    """Rows whose context (or file/field/row column) has `key` among the wanted values."""
    values = {str(v) for v in ([wanted] if isinstance(wanted, str) else wanted)}
    if key in ("file", "field", "row"):
        return frame[key].astype(str).isin(values)
    return pd.Series([str(ctx.get(key)) in values if key in ctx else False for ctx in frame["context"]], index=frame.index)


def waiver_mask(notices: pd.DataFrame, waiver: Waiver) -> pd.Series:
    mask = notices["code"] == waiver.code
    if waiver.file:
        mask &= notices["file"] == waiver.file
    for key, wanted in waiver.filter.items():
        candidates = notices[mask]
        if candidates.empty:
            break
        mask &= _matches_filter(candidates, key, wanted).reindex(notices.index, fill_value=False)
    return mask


def apply_gate(
    notices: pd.DataFrame, blocking: Blocking, waivers: list[Waiver], as_of: date
) -> tuple[pd.DataFrame, list[WaiverUse]]:
    """Add `blocking`, `waived` and `waiver` columns; report how each waiver was used."""
    gated = notices.copy()
    gated["blocking"] = [blocking.blocks(code, severity) for code, severity in zip(gated["code"], gated["severity"], strict=True)]
    gated["waived"] = False
    gated["waiver"] = None
    uses = []
    for waiver in waivers:
        active = waiver.active(as_of)
        mask = waiver_mask(gated, waiver) if len(gated) else pd.Series(dtype=bool)
        matched = int(mask.sum())
        if active and matched:
            fresh = mask & ~gated["waived"]
            gated.loc[fresh, "waived"] = True
            gated.loc[fresh, "waiver"] = f"{waiver.reason} (granted by {waiver.granted_by}, until {waiver.expires})"
        uses.append(WaiverUse(waiver, active, matched))
    gated["blocking"] = gated["blocking"].astype(bool)
    gated["waived"] = gated["waived"].astype(bool)
    return gated, uses


@dataclass(frozen=True)
class Candidate:
    """A validated version, as the gate needs to see it."""

    version_id: int
    content_hash: str
    first_seen_at: Any  # datetime
    blocked: bool
    feed_start: date | None
    feed_end: date | None


def has_expired(candidate: Candidate, as_of: date) -> bool:
    """Whether the version's service ended before `as_of`."""
    return candidate.feed_end is not None and candidate.feed_end < as_of


def choose_accepted(candidates: list[Candidate], as_of: date) -> Candidate | None:
    """The version in force on `as_of`: the newest unblocked one whose service has started and not
    ended. An expired version is never in force (not even with its `feed_expired` waived).

    A version published ahead of its first service day waits until that day; if no unblocked
    version has started yet, the newest unblocked one is used.
    """
    unblocked = sorted((c for c in candidates if not c.blocked and not has_expired(c, as_of)),
                       key=lambda c: (c.first_seen_at, c.version_id))
    if not unblocked:
        return None
    started = [c for c in unblocked if c.feed_start is None or c.feed_start <= as_of]
    return (started or unblocked)[-1]


EXPIRED_TEXT = "expired: not in the regional feeds"


def expiry_status(accepted: Candidate | None, as_of: date, warning_days: int,
                  newest: Candidate | None = None) -> tuple[str, str]:
    """("ok" | "expiring" | "expired" | "none", sentence) for the version in force on `as_of`;
    "expired" when nothing is in force because the newest version's service has ended."""
    if accepted is None:
        if newest is not None and newest.feed_end is not None and has_expired(newest, as_of):
            days = (as_of - newest.feed_end).days
            return "expired", f"{EXPIRED_TEXT} (the newest version's service ended on {newest.feed_end}, {days} days ago)"
        return "none", "no version without blocking findings: nothing is in force"
    if accepted.feed_end is None:
        return "ok", "the accepted version's last service day is unknown"
    days = (accepted.feed_end - as_of).days
    if days < 0:
        return "expired", f"the accepted version's service ended on {accepted.feed_end} ({-days} days ago)"
    if days <= warning_days:
        return "expiring", f"the accepted version's service ends on {accepted.feed_end}, in {days} days"
    return "ok", f"the accepted version runs until {accepted.feed_end} ({days} days)"
