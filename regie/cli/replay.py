"""`regie replay`: what other quality rules would change, before they go live."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from regie.cli.common import fail, pool_paths
from regie.config import ConfigError


@click.command()
@click.option("--rules", "rules_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The alternative quality.yaml.")
@click.option("--operator", "operator_ids", multiple=True, metavar="ID", help="Only this operator (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def replay(rules_file: Path, operator_ids: tuple[str, ...], as_json: bool) -> None:
    """Re-run the quality gate over every archived version with the rules in RULES and show, per
    operator, which findings appear or vanish and whose version in force would change. Nothing of
    the live state changes (no validation recorded, no report written).

    Exit code 0, or 3 when some operator's version in force would change."""
    from quality.config import load_quality_config  # lazy: see regie.cli.common
    from quality.replay import replay_rules
    from regie.pool import Pool

    try:
        alternative = load_quality_config(rules_file)
        with Pool.open(pool_paths()) as pool:
            operators = [pool.operator(i) for i in operator_ids] if operator_ids else pool.registry.operators
            impacts = replay_rules(pool.gatekeeper, operators, alternative)
    except (ConfigError, KeyError) as exc:
        fail(str(exc).strip("'\""))
    if as_json:
        click.echo(json.dumps([impact.to_dict() for impact in impacts], indent=2, ensure_ascii=False))
    else:
        _print(impacts, rules_file)
    if any(impact.in_force_changes for impact in impacts):
        sys.exit(3)


def _print(impacts, rules_file: Path) -> None:
    click.echo(f"Rules in {rules_file} against the live rules, over every archived version:")
    for impact in impacts:
        name = f"{impact.operator_id}/{impact.feed_id}"
        if not impact.changed:
            click.echo(f"  {name:<28} no change ({len(impact.versions)} versions)")
            continue
        if impact.in_force_changes:
            click.secho(f"  {name:<28} version in force would change: {_short(impact.live_in_force)} -> "
                        f"{_short(impact.alternative_in_force)}", fg="yellow")
        else:
            click.echo(f"  {name:<28} version in force unchanged ({_short(impact.live_in_force)})")
        for version in impact.versions:
            changes = []
            if version.verdict_changes:
                changes.append("would be " + ("blocked" if version.alternative.blocked else "accepted"))
            changes += [f"+{count} {code} ({severity})" for (code, severity), count in sorted(version.appeared.items())]
            changes += [f"-{count} {code} ({severity})" for (code, severity), count in sorted(version.vanished.items())]
            if changes:
                click.echo(f"    {version.content_hash[:12]}  " + "; ".join(changes))


def _short(content_hash: str | None) -> str:
    return content_hash[:12] if content_hash else "none"
