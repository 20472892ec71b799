"""What every command shares: the paths of the pool, a clean failure, --verbose, and the pool's
status in words (what `regie status`, `regie run` and the demo's summary print)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from regie.store.paths import Paths, resolve_paths

if TYPE_CHECKING:
    from regie.config.region import Region

ALARM = "!"


def pool_paths() -> Paths:
    return resolve_paths()


def fail(message: str, code: int = 1) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(code)


def verbose() -> bool:
    """Whether the global --verbose was given (tracebacks shown)."""
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("verbose"))


def pool_status_report(paths: Paths) -> dict:
    from regie.pool import Pool  # lazy, as every command's library: `regie --help` stays fast
    from regie.status import pool_status

    with Pool.open(paths) as pool:
        return pool_status(pool, now=datetime.now(UTC))


def _short(version: str | None) -> str:
    return (version or "")[:12]


def in_force_text(gate: dict[str, Any]) -> str:
    """"version 1a2b3c4d5e6f, service until 2027-12-05 (364 days left)"."""
    text = f"version {_short(gate['accepted_version'])}"
    if gate.get("feed_end"):
        days = gate.get("days_left")
        text += f", service until {gate['feed_end']}" + (f" ({days} days left)" if days is not None else "")
    return text


def feed_summary(feed: dict[str, Any]) -> str:
    """One feed's state in words, saying first what a person must act on."""
    gate = feed.get("gate")
    state = feed.get("state")
    if feed["kind"] != "gtfs":
        what = "bike share (GBFS)" if feed["kind"] == "gbfs" else f"{feed['kind']} snapshots"
        return f"{what}: last fetch {feed['last_fetch']}"
    if gate is None:
        text = "no version yet"
    elif state == "expired":
        text = gate["expiry_text"]
    elif state == "blocked":
        text = f"newest version {_short(gate['latest_version'])} blocked ({gate['blocked_reason']}): nothing in force"
    elif state == "older_in_force":
        text = (f"newest version {_short(gate['latest_version'])} blocked ({gate['blocked_reason']}); "
                f"in force: {in_force_text(gate)}")
    elif state == "expiring":
        text = f"expiring soon: {in_force_text(gate)}"
    else:
        text = f"in force: {in_force_text(gate)}"
    if gate is not None and gate.get("score") is not None:
        text += f"; score {gate['score']:.0f}/100"
    if feed.get("fetch_failed"):
        text = f"last fetch {feed['last_fetch']}; " + text
    return text


def print_operator_summary(report: dict, *, title: str) -> None:
    """Every operator's feeds, one aligned line each, "!" in front of what needs acting on."""
    rows = [(feed.get("alarm", False), operator["id"], feed["feed"], feed_summary(feed))
            for operator in report["operators"] for feed in operator["feeds"]]
    click.echo(f"\n{title}")
    if not rows:
        click.echo("  no operator in the registry")
        return
    width_id = max(len(row[1]) for row in rows)
    width_feed = max(len(row[2]) for row in rows)
    for alarm, operator_id, feed_id, text in rows:
        line = f"{ALARM if alarm else ' '} {operator_id:<{width_id}}  {feed_id:<{width_feed}}  {text}"
        click.secho(line, fg="red" if alarm else None)
    needing = sum(1 for row in rows if row[0])
    click.echo(f"  {needing} feed{'s' if needing != 1 else ''} to act on (marked {ALARM})" if needing
               else "  nothing to act on")


def print_regional(report: dict) -> None:
    click.echo("\nRegional feeds:")
    for name, feed in report["regional_feeds"].items():
        if feed is None:
            click.echo(f"  {name:<9} not built yet")
            continue
        gate = feed["gate"] or {}
        click.echo(f"  {name:<9} {feed['feed_version']}  {len(feed['operators'])} operators "
                   f"({', '.join(feed['operators'])}), {feed['rows'].get('stops', 0)} stops, "
                   f"{feed['rows'].get('trips', 0)} trips; gate: {gate.get('ERROR', '?')} errors, "
                   f"{gate.get('WARNING', '?')} warnings")


def region_of(paths: Paths) -> Region:
    """The region's configuration (raises ConfigError)."""
    from regie.config import load_region  # lazy: the region's models load only for the commands that need them

    return load_region(paths.region_file)
