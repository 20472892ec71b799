"""What every command shares: the paths of the pool, a clean failure, the pool's status."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from regie.store.paths import Paths, resolve_paths


def pool_paths() -> Paths:
    return resolve_paths()


def fail(message: str, code: int = 1) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(code)


def pool_status_report(paths: Paths) -> dict:
    from regie.pool import Pool  # lazy, as every command's library: `regie --help` stays fast
    from regie.status import pool_status

    with Pool.open(paths) as pool:
        return pool_status(pool, now=datetime.now(UTC))


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
