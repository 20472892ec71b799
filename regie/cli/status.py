"""`regie status`: what the pool holds and what it last did, per operator and feed."""

from __future__ import annotations

import json

import click

from regie.cli.common import fail, pool_paths, pool_status_report, print_regional
from regie.config import ConfigError


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(as_json: bool) -> None:
    """Operators, their feeds, latest version, its age, and the last fetch's outcome."""
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
            version = feed["latest_version"]
            fetch = feed["latest_fetch"]
            if version:
                version_text = f"{version['content_hash'][:12]} ({version['age_days']:.1f} d old)"
            else:
                version_text = "no version" if feed["kind"] == "gtfs" else "snapshots, no versions"
            fetch_text = f"{fetch['outcome']} at {fetch['fetched_at'][:19]}" if fetch else "never fetched"
            if fetch and fetch["error"]:
                fetch_text += f": {fetch['error']}"
            click.echo(f"  {feed['feed']:<18} {feed['kind']:<8} {version_text:<32} {fetch_text}")
    print_regional(report)
