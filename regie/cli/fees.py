"""`regie fees`: each operator's integration fee, and a what-if on other tiers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from regie.cli.common import fail, pool_paths
from regie.config import ConfigError


@click.command()
@click.option("--tiers", "tiers_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An alternative tiers file: show every operator's fee before and after (what-if).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def fees(tiers_file: Path | None, as_json: bool) -> None:
    """Each operator's integration fee for the fee year (the year of as_of), from the versions in
    force, with the brackets that set it; the total against the platform budget.

    Exit code 1 when some operator's fee could not be computed (the others are still shown)."""
    from regie.fees.region import what_if  # lazy: see _status
    from regie.fees.run import region_fee_run
    from regie.pool import Pool

    try:
        with Pool.open(pool_paths()) as pool:
            run, summary = region_fee_run(pool)
            alternative = region_fee_run(pool, tiers_file) if tiers_file else None
    except ConfigError as exc:
        fail(str(exc))
    comparison = what_if(run.results, alternative[0].results) if alternative else None
    if as_json:
        click.echo(json.dumps({"fee_year": run.fee_year, "fees": [r.to_dict() for r in run.results],
                               "summary": summary.to_dict(), "what_if": comparison}, indent=2, ensure_ascii=False, default=str))
    else:
        _print_fees(run, summary, comparison)
    if any(not result.ok for result in run.results):
        sys.exit(1)


def _print_fees(run, summary, comparison) -> None:
    click.echo(f"Integration fees for {run.fee_year} ({summary.currency})")
    for result in run.results:
        if result.ok:
            brackets = ", ".join(f"{dimension} {name}" for dimension, name in result.brackets.items())
            flags = f"  [{', '.join(flag.code for flag in result.flags)}]" if result.flags else ""
            click.echo(f"  {result.operator_id:<18} {result.amount_eur:>12}  {brackets}{flags}")
        else:
            click.secho(f"  {result.operator_id:<18} {'no fee':>12}  {result.message}", fg="red")
    click.echo(f"  {'total':<18} {summary.total_cents / 100:>12,.2f}  budget {summary.budget_cents / 100:,.2f}, "
               f"coverage {summary.coverage:.0%}")
    if comparison:
        click.echo("\nWhat if (alternative tiers):")
        for row in comparison:
            difference = row["difference_cents"]
            diff = "" if difference is None else f"{difference / 100:+,.2f}"
            click.echo(f"  {row['operator_id']:<18} {_eur(row['before_cents']):>12} -> {_eur(row['after_cents']):>12}  {diff}")


def _eur(cents: int | None) -> str:
    return "—" if cents is None else f"{cents / 100:,.2f}"
