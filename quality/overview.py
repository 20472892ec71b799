"""Rows of the regional overview page (and of `regie status`): one per operator feed, every
operator and every feed kind (bike share included), each saying in words what it is and what to
act on: the version in force, a blocked newest version and why, an expired one, a failed fetch."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from quality.gatekeeper import FeedGate, Gatekeeper
from regie.config.operators import Operator, Registry
from regie.store.catalogue import Catalogue
from regie.store.catalogue.repository import FeedStatus, FetchRecord, Outcome

FETCH_WORDS = {
    Outcome.NEW_VERSION: "new version archived",
    Outcome.UNCHANGED: "downloaded, no change",
    Outcome.NOT_MODIFIED: "no change (server said not modified)",
    Outcome.SNAPSHOT: "snapshot kept",
    Outcome.FAILED: "failed",
}

STATE_WORDS = {
    "in_force": "in force",
    "older_in_force": "newest version blocked: an older version stays in force",
    "expiring": "in force, expiring soon",
    "expired": "expired: not in the regional feeds",
    "blocked": "blocked: no version in force, not in the regional feeds",
    "no_version": "no version yet",
}
"""What each gate state (`FeedGate.state`) means, in words."""


def ago(moment: datetime, now: datetime) -> str:
    """'just now', '5 minutes ago', '3 hours ago', '2 days ago'."""
    seconds = max((now - moment).total_seconds(), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def fetch_words(fetch: FetchRecord | None, now: datetime) -> str:
    """The last fetch in words: what happened and when, and the cause of a failure."""
    if fetch is None:
        return "never fetched"
    text = f"{FETCH_WORDS.get(fetch.outcome, str(fetch.outcome))} {ago(fetch.fetched_at, now)}"
    if fetch.outcome is Outcome.FAILED and fetch.error:
        text += f": {fetch.error}"
    return text


def _gate_fields(gate: FeedGate, as_of_days: int | None) -> dict[str, Any]:
    latest, accepted = gate.latest, gate.accepted
    return {
        "latest_version": latest.content_hash[:12] if latest else None,
        "verdict": None if latest is None else ("blocked" if latest.blocked else "accepted"),
        "blocked_reason": gate.blocked_text or None,
        "accepted_version": accepted.content_hash[:12] if accepted else None,
        "serving_older": gate.serving_older,
        "score": latest.score if latest else None,
        "errors": latest.errors if latest else None,
        "warnings": latest.warnings if latest else None,
        "feed_end": accepted.feed_end.isoformat() if accepted and accepted.feed_end else None,
        "latest_feed_end": latest.feed_end.isoformat() if latest and latest.feed_end else None,
        "days_left": as_of_days,
        "expiry": gate.expiry,
        "expiry_text": gate.expiry_text,
        "last_update": accepted.first_seen_at.date().isoformat() if accepted else None,
        "report": latest.report_path if latest else None,
        "state": gate.state,
    }


def _row(operator: Operator, feed_id: str, kind: str, status: FeedStatus, now: datetime) -> dict[str, Any]:
    fetch = status.latest_fetch
    return {
        "operator": operator.id, "name": operator.name, "feed": feed_id, "kind": kind,
        "modes": list(operator.modes), "openness": operator.openness,
        "fetch_failed": fetch is not None and fetch.outcome is Outcome.FAILED,
        "last_fetch": fetch_words(fetch, now),
        "last_fetch_at": fetch.fetched_at.isoformat() if fetch else None,
        "last_success_at": status.last_success_at.isoformat() if status.last_success_at else None,
    }


def _status_text(row: dict[str, Any]) -> str:
    """The row's state in words, with the reason that a person acts on."""
    if row["kind"] != "gtfs":
        return "snapshots only (no versions to gate)" if not row["fetch_failed"] else "snapshot failed"
    text = STATE_WORDS[row["state"]]
    if row["state"] in ("older_in_force", "blocked") and row["blocked_reason"]:
        text += f" ({row['blocked_reason']})"
    elif row["state"] in ("expired", "expiring"):
        text = row["expiry_text"] if row["state"] == "expired" else f"{text}: {row['expiry_text']}"
    return text


def overview_rows(registry: Registry, gatekeeper: Gatekeeper, *, now: datetime | None = None,
                  statuses: Mapping[tuple[str, str], FeedStatus] | None = None) -> list[dict[str, Any]]:
    """One row per feed of every operator, in registry order. Every row has `state`, `status`
    (words), `alarm` (something to act on) and the last fetch in words; GTFS rows add the gate's
    verdict on the newest version, why it is blocked, the version in force and its expiry.
    `statuses`: the feeds' catalogue statuses when the caller has read them already."""
    now = now or datetime.now(UTC)
    if statuses is None:
        statuses = feed_statuses(registry, gatekeeper.catalogue)
    rows = []
    for operator in registry.operators:
        for feed in operator.feeds:
            status = statuses[(operator.id, feed.id)]
            row = _row(operator, feed.id, feed.kind.value, status, now)
            gate = None
            if feed.kind.is_static:  # a feed without versions has nothing to read: no query per feed
                gate = (gatekeeper.gate_feed(operator, feed, validate=False) if status.versions
                        else gatekeeper.unversioned_gate(operator, feed))
            if gate is not None:
                accepted = gate.accepted
                days_left = (accepted.feed_end - gatekeeper.as_of).days if accepted and accepted.feed_end else None
                row.update(_gate_fields(gate, days_left))
            else:
                row.update({"state": "snapshots", "verdict": None, "latest_version": None, "accepted_version": None,
                            "serving_older": False, "score": None, "errors": None, "warnings": None,
                            "expiry": None, "report": None})
            row["status"] = _status_text(row)
            row["alarm"] = row["fetch_failed"] or row["state"] not in ("in_force", "snapshots")
            rows.append(row)
    return rows


def feed_statuses(registry: Registry, catalogue: Catalogue) -> dict[tuple[str, str], FeedStatus]:
    """Every feed's catalogue status, (operator, feed) -> FeedStatus, in a few queries."""
    return catalogue.feed_statuses(
        (operator.id, feed.id, feed.kind.value) for operator in registry.operators for feed in operator.feeds)
