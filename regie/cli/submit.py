"""`regie submit`: an operator without a URL hands in a feed file."""

from __future__ import annotations

import stat
from pathlib import Path

import click

from regie.cli.common import fail, pool_paths
from regie.config import ConfigError

NEXT_STEPS = ("It is kept as version {version} for the record; the quality gate will refuse it, and the pool keeps "
              "serving the operator's last accepted version. Hand in the feed again as a GTFS zip.")


@click.command()
@click.argument("operator_id", metavar="OPERATOR")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--feed", "feed_id", help="The operator's GTFS feed id, when it has several.")
def submit(operator_id: str, file: Path, feed_id: str | None) -> None:
    """Hand in a feed FILE for OPERATOR: archived and recorded like a fetched one.

    Exit code: 0 when archived (new or known version), 1 when the file was refused or is not a
    readable GTFS zip (it is still recorded; the message says what happens next)."""

    from regie.collect.collector import Collector, SubmitError  # lazy: see _status
    from regie.collect.fetch import LocalFeedClient
    from regie.collect.zip_screen import ZipLimits
    from regie.pool import Pool

    if not stat.S_ISREG(file.stat().st_mode):
        fail(f"{file} is not a regular file (a device, a FIFO or a socket): hand in a GTFS zip")
    with Pool.open(pool_paths()) as pool:
        try:
            operator = pool.operator(operator_id)
            limits = pool.quality_config.prescreen
            collector = Collector(client=LocalFeedClient(), catalogue=pool.catalogue, archive=pool.archive,
                                  snapshots=pool.snapshots, settings=pool.region.collection,
                                  zip_limits=ZipLimits(limits.max_members, limits.max_uncompressed_bytes,
                                                       limits.max_compression_ratio))
            outcome = collector.submit(operator, file, feed_id)
        except (ConfigError, SubmitError, ValueError, KeyError) as exc:
            fail(str(exc).strip("'\""))
    if outcome.failed:
        fail(outcome.describe())
    version = outcome.version
    if version is not None and not version.is_zip:
        fail(f"{outcome.describe()}\n{file} cannot be used: {outcome.fetch.error or 'not a readable zip'}.\n"
             + NEXT_STEPS.format(version=version.content_hash[:12]))
    click.echo(outcome.describe())
