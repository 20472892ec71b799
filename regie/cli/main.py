"""The `regie` command line: the group and its global options; each command lives in its own module.

Dagster is imported only by the commands that run the pipeline."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click

from regie.cli.fees import fees
from regie.cli.journey import journey
from regie.cli.pipeline import collect, demo, run, ui
from regie.cli.replay import replay
from regie.cli.serve import serve
from regie.cli.status import status
from regie.cli.submit import submit
from regie.cli.validate import validate_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Region configuration (REGIE_CONFIG_DIR; default configs/).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where everything is written (REGIE_DATA_DIR; default data/).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The region's reference date (REGIE_AS_OF; default today).")
@click.option("--verbose", "-v", is_flag=True, help="Show full tracebacks of failures (otherwise one line each).")
def main(config_dir: Path | None, data_dir: Path | None, as_of: datetime | None, verbose: bool) -> None:
    """Régie: collect, audit, merge and publish a region's mobility data."""
    if config_dir:
        os.environ["REGIE_CONFIG_DIR"] = str(config_dir.resolve())
    if data_dir:
        os.environ["REGIE_DATA_DIR"] = str(data_dir.resolve())
    if as_of:
        os.environ["REGIE_AS_OF"] = as_of.date().isoformat()


for command in (collect, run, demo, submit, status, validate_command, fees, replay, journey, serve, ui):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
