"""`regie validate`: validate any feed outside the pool (the work is in standalone_validation)."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import click

from regie.cli.common import fail


@click.command("validate")
@click.argument("source", metavar="PATH_OR_URL")
@click.option("--region", "region_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Apply this region's checks too (its quality.yaml, bounding box, expectations, as_of); "
                   "the global --config-dir does the same.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json on standard output.")
@click.option("--date", "validation_date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Validation date (default: the region's as_of, else today).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("validation-report"),
              show_default=True, help="Where report.json and report.html are written.")
def validate_command(source: str, region_dir: Path | None, as_json: bool, validation_date: datetime | None,
                     out_dir: Path) -> None:
    """Validate any GTFS feed (zip, folder or URL), outside the pool, and write its reports.

    Without a region, only what is not region-specific is checked (canonical and own rules, the
    default quality settings). Exit code: 2 when no table can be read (the report is still
    written), 1 on any ERROR, 0 otherwise.
    """
    # lazy: see regie.cli.common.pool_status_report
    from regie.cli.standalone_validation import run_validate, summary_lines
    from regie.config import ConfigError

    if region_dir is None and os.environ.get("REGIE_CONFIG_DIR"):
        region_dir = Path(os.environ["REGIE_CONFIG_DIR"])
    try:
        result = run_validate(source, out_dir=out_dir, region_dir=region_dir,
                              validation_date=validation_date.date() if validation_date else None)
    except ConfigError as exc:
        fail(str(exc))
        return
    if as_json:
        click.echo(result.report_json.read_text(encoding="utf-8"))
    else:
        for number, line in enumerate(summary_lines(result)):
            click.secho(line, fg=_colour(result.code) if number == 0 else None, bold=number == 0)
    sys.exit(result.code)


def _colour(code: int) -> str:
    return {0: "green", 1: "red", 2: "red"}.get(code, "yellow")
