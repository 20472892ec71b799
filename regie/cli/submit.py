"""`regie submit`: an operator without a URL hands in a feed file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from regie.cli.common import fail, pool_paths
from regie.config import ConfigError


@click.command()
@click.argument("operator_id", metavar="OPERATOR")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--feed", "feed_id", help="The operator's GTFS feed id, when it has several.")
def submit(operator_id: str, file: Path, feed_id: str | None) -> None:
    """Hand in a feed FILE for OPERATOR: archived and recorded like a fetched one."""

    from regie.collect.collector import Collector  # lazy: see _status
    from regie.collect.fetch import LocalFeedClient
    from regie.pool import Pool

    with Pool.open(pool_paths()) as pool:
        try:
            operator = pool.operator(operator_id)
            collector = Collector(client=LocalFeedClient(), catalogue=pool.catalogue, archive=pool.archive,
                                  snapshots=pool.snapshots, settings=pool.region.collection)
            outcome = collector.submit(operator, file, feed_id)
        except (ConfigError, ValueError, KeyError) as exc:
            fail(str(exc).strip("'\""))
    click.echo(outcome.describe())
    if outcome.failed:
        sys.exit(1)
