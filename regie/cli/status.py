"""`regie status`: what the pool holds and what it last did, per operator and feed, in words."""

from __future__ import annotations

import json
from typing import Any

import click

from regie.cli.common import ALARM, fail, in_force_text, pool_paths, pool_status_report, print_regional
from regie.config import ConfigError

LABEL = 12


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(as_json: bool) -> None:
    """Each operator's feeds: the version in force and its expiry, the newest version and whether
    it is blocked (and why), the score, and the last fetch."""
    try:
        report = pool_status_report(pool_paths())
    except ConfigError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(f"{report['region']} (as of {report['as_of']}), data in {report['data_dir']}")
    for operator in report["operators"]:
        click.echo(f"\n{operator['id']}  {operator['name']}  [{operator['openness']}]")
        for feed in operator["feeds"]:
            for number, (label, text) in enumerate(feed_lines(feed)):
                mark = ALARM if number == 0 and feed.get("alarm") else " "
                head = f"{mark} {feed['feed'] if number == 0 else '':<8}"
                click.secho(f"{head} {label + ':':<{LABEL}} {text}", fg="red" if mark == ALARM else None)
        if operator.get("last_alert"):
            click.echo(f"  {'':<8} {'last alert:':<{LABEL}} {alert_text(operator['last_alert'])}")
    print_regional(report)


def alert_text(alert: dict[str, Any]) -> str:
    """"2026-12-06 04:12 ERROR accepted_feed / has_accepted_version: <cause> (posted)"."""
    where = " / ".join(part for part in (alert["asset"], alert["check"]) if part) or alert["kind"].replace("_", " ")
    posted = {True: "posted", False: "NOT posted", None: "no webhook"}[alert["delivered"]]
    return f"{(alert['raised_at'] or '')[:16].replace('T', ' ')} {alert['severity']} {where}: {alert['cause']} ({posted})"


def feed_lines(feed: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) lines of one feed: its state first, then the details a person checks."""
    gate = feed.get("gate")
    if feed["kind"] != "gtfs":
        what = "bike share (GBFS)" if feed["kind"] == "gbfs" else f"{feed['kind']} snapshots"
        return [("state", f"{what}, snapshots only" + (": the last fetch failed" if feed.get("fetch_failed") else "")),
                ("last fetch", feed["last_fetch"])]
    lines = [("state", feed["status"])]
    if gate is not None:
        lines.append(("in force", in_force_text(gate) if gate["accepted_version"] else "none"))
        lines.append(("newest", _newest_text(gate)))
        if gate["expiry"] in ("expiring", "expired"):
            lines.append(("expiry", gate["expiry_text"]))
        if gate.get("score") is not None:
            lines.append(("score", f"{gate['score']:.1f}/100 for the newest version ({gate['latest_errors']} errors)"))
    lines.append(("last fetch", feed["last_fetch"]))
    return lines


def _newest_text(gate: dict[str, Any]) -> str:
    version = (gate["latest_version"] or "")[:12]
    if gate["verdict"] == "blocked":
        return f"{version}, blocked: {gate['blocked_reason']}"
    if gate["accepted_version"] == gate["latest_version"]:
        return f"{version}, accepted (the version in force)"
    return f"{version}, accepted, not yet in force"
