"""`regie validate`: validate any feed outside the pool (the work is in standalone_validation)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from regie.cli.common import pool_paths


@click.command("validate")
@click.argument("source", metavar="PATH_OR_URL")
@click.option("--json", "as_json", is_flag=True, help="Print report.json on standard output.")
@click.option("--date", "validation_date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Validation date (default: the region's as_of).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("validation-report"),
              show_default=True, help="Where report.json and report.html are written.")
def validate_command(source: str, as_json: bool, validation_date: datetime | None, out_dir: Path) -> None:
    """Validate any GTFS feed (zip, folder or URL), outside the pool, and write its reports.

    Exit code: 2 when no table can be read (the report is still written), 1 on any ERROR, 0 otherwise.
    """
    from regie.cli.standalone_validation import run_validate  # lazy: see _status

    code, report_json = run_validate(source, out_dir=out_dir, paths=pool_paths(),
                                     validation_date=validation_date.date() if validation_date else None)
    if as_json:
        click.echo(report_json)
    else:
        click.echo(f"Reports written to {out_dir.resolve()}/report.html and report.json")
    sys.exit(code)
