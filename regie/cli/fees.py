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
    from regie.fees.region import what_if, what_if_summary  # lazy: see regie.cli.common.pool_status_report
    from regie.fees.run import region_fee_run
    from regie.pool import Pool

    try:
        with Pool.open(pool_paths()) as pool:
            run, summary = region_fee_run(pool)
            alternative = region_fee_run(pool, tiers_file) if tiers_file else None
    except ConfigError as exc:
        fail(str(exc))
        return
    comparison = (what_if_summary(summary, alternative[1], what_if(run.results, alternative[0].results))
                  if alternative else None)
    if as_json:
        click.echo(json.dumps({"fee_year": run.fee_year, "fees": [r.to_dict() for r in run.results],
                               "summary": summary.to_dict(), "what_if": comparison}, indent=2, ensure_ascii=False, default=str))
    else:
        _print_fees(run, summary)
        if comparison:
            _print_what_if(comparison, tiers_file, summary.currency)
    if any(not result.ok for result in run.results):
        sys.exit(1)


def _print_fees(run, summary) -> None:
    click.echo(f"Integration fees for {run.fee_year} ({summary.currency})")
    width = max([len(result.operator_id) for result in run.results] + [5])
    for result in run.results:
        if result.ok:
            brackets = ", ".join(f"{placement.label} {placement.bracket}" for placement in result.placements)
            click.echo(f"  {result.operator_id:<{width}} {_eur(result.amount_cents):>12}  {brackets}")
            snapshot_at = result.inputs.get("metrics_context", {}).get("snapshot_at")
            notes = [flag.message for flag in result.flags] + (
                [f"measured on the GBFS snapshot taken at {snapshot_at}"] if snapshot_at else [])
            for note in notes:
                click.echo(f"  {'':<{width}} {'':>12}  note: {note}")
        else:
            click.secho(f"  {result.operator_id:<{width}} {'no fee':>12}  {result.message}", fg="red")
    click.echo(f"  {'total':<{width}} {_eur(summary.total_cents):>12}  budget {_eur(summary.budget_cents)}, "
               f"coverage {summary.coverage:.0%}")


def _print_what_if(comparison: dict, tiers_file: Path | None, currency: str) -> None:
    click.echo(f"\nWhat if the tiers were {tiers_file} ({currency}): before -> after")
    rows = comparison["operators"]
    width = max([len(row["operator_id"]) for row in rows] + [8])
    for row in rows:
        difference = row["difference_cents"]
        diff = "" if difference is None else f"{difference / 100:+,.2f}"
        changes = "; ".join(f"{change['dimension']} {change['before'] or '—'} -> {change['after'] or '—'}"
                            for change in row["bracket_changes"])
        error = row["after_error"] or row["before_error"]
        tail = f"  {changes}" if changes else (f"  {error}" if error and difference is None else "")
        click.echo(f"  {row['operator_id']:<{width}} {_eur(row['before_cents']):>12} -> {_eur(row['after_cents']):>12}"
                   f"  {diff:>12}{tail}")
    total, budget, coverage = comparison["total_cents"], comparison["budget_cents"], comparison["coverage"]
    click.echo(f"  {'total':<{width}} {_eur(total['before']):>12} -> {_eur(total['after']):>12}"
               f"  {total['difference'] / 100:>+12,.2f}")
    click.echo(f"  {'budget':<{width}} {_eur(budget['before']):>12} -> {_eur(budget['after']):>12}"
               f"  {budget['difference'] / 100:>+12,.2f}")
    click.echo(f"  {'coverage':<{width}} {coverage['before']:>12.0%} -> {coverage['after']:>12.0%}")
    click.echo(f"  {comparison['operators_changed']} operator(s) change fee or bracket, "
               f"{comparison['bracket_changes']} bracket change(s)")


def _eur(cents: int | None) -> str:
    return "—" if cents is None else f"{cents / 100:,.2f}"
