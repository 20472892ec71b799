"""The pool's status: each operator's feeds, latest version, last fetch and gate verdict, and the
regional feeds as last written. Reads the catalogue only: nothing is fetched or validated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from quality.overview import feed_statuses, overview_rows
from regie.alerts.journal import latest_alerts
from regie.integrate.run import regional_status
from regie.pool import Pool
from regie.store.catalogue.repository import FeedStatus


def _gate_rows(pool: Pool, now: datetime, statuses: dict[tuple[str, str], FeedStatus]) -> dict[tuple[str, str], dict[str, Any]]:
    """Verdicts already in the catalogue, by (operator, feed)."""
    rows = overview_rows(pool.registry, pool.gatekeeper, now=now, statuses=statuses)
    return {(row["operator"], row["feed"]): row for row in rows}


def _gate(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None or row["latest_version"] is None:
        return None
    return {"latest_version": row["latest_version"], "verdict": row["verdict"], "latest_errors": row["errors"],
            "blocked_reason": row["blocked_reason"], "accepted_version": row["accepted_version"],
            "serving_older": row["serving_older"], "score": row["score"], "expiry": row["expiry"],
            "expiry_text": row["expiry_text"], "feed_end": row["feed_end"], "days_left": row["days_left"],
            "report": row["report"]}


def pool_status(pool: Pool, *, now: datetime) -> dict[str, Any]:
    """Every operator and feed: catalogue state, last fetch, the gate (`gate`, GTFS only) and, in
    words, `state`, `status`, `alarm` and `last_fetch` (see `quality.overview.overview_rows`)."""
    statuses = feed_statuses(pool.registry, pool.catalogue)
    rows = _gate_rows(pool, now, statuses)
    alerts = latest_alerts(pool.catalogue)
    operators = []
    for operator in pool.registry.operators:
        feeds = []
        for feed in operator.feeds:
            status = statuses[(operator.id, feed.id)].to_dict(now)
            row = rows[(operator.id, feed.id)]
            status["gate"] = _gate(row)
            status.update({key: row[key] for key in ("state", "status", "alarm", "last_fetch", "fetch_failed")})
            feeds.append(status)
        operators.append({"id": operator.id, "name": operator.name, "modes": list(operator.modes),
                          "openness": operator.openness, "feeds": feeds,
                          "last_alert": _alert(alerts.get(operator.id))})
    return {
        "region": pool.region.name,
        "as_of": pool.region.as_of.isoformat(),
        "data_dir": str(pool.paths.data_dir),
        "generated_at": now.isoformat(),
        "operators": operators,
        "regional_feeds": regional_status(pool.paths),
        "last_region_alert": _alert(alerts.get(None)),
    }


def _alert(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """An alert as the status shows it (see regie.alerts): when, what, why, and whether it was posted."""
    if row is None:
        return None
    return {"raised_at": row["raised_at"].isoformat() if row["raised_at"] else None, "kind": row["kind"],
            "severity": row["severity"], "asset": row["asset"], "check": row["check_name"], "cause": row["cause"],
            "delivered": None if row["delivered"] is None else bool(row["delivered"])}
