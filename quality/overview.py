"""Rows of the regional overview page: one per operator feed."""

from __future__ import annotations

from typing import Any

from quality.gatekeeper import Gatekeeper
from regie.config.operators import Registry


def overview_rows(registry: Registry, gatekeeper: Gatekeeper) -> list[dict[str, Any]]:
    rows = []
    for operator in registry.operators:
        for gate in gatekeeper.gate_operator(operator, validate=False):
            latest, accepted = gate.latest, gate.accepted
            rows.append({
                "operator": operator.id,
                "name": operator.name,
                "feed": gate.feed_id,
                "openness": operator.openness,
                "latest_version": latest.content_hash[:12] if latest else None,
                "verdict": None if latest is None else ("blocked" if latest.blocked else "accepted"),
                "accepted_version": accepted.content_hash[:12] if accepted else None,
                "serving_older": gate.serving_older,
                "score": latest.score if latest else None,
                "errors": latest.errors if latest else None,
                "warnings": latest.warnings if latest else None,
                "feed_end": accepted.feed_end.isoformat() if accepted and accepted.feed_end else None,
                "days_left": (accepted.feed_end - gatekeeper.as_of).days if accepted and accepted.feed_end else None,
                "expiry": gate.expiry,
                "last_update": accepted.first_seen_at.date().isoformat() if accepted else None,
                "report": latest.report_path if latest else None,
            })
    return rows
