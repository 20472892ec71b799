"""Collection, partitioned by operator: fetch, archive new versions, record every fetch."""

from logging import Logger

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    asset,
)

from assets.automation import COLLECTION_RETRY, FEED_FETCH_POOL
from assets.partitions import operator_check, operators_partitions
from assets.previews import collection_markdown
from assets.registry import operator_registry
from regie.collect.collector import Collector
from regie.collect.fetch import FeedClientFactory
from regie.collect.integrity import verify_latest_versions
from regie.pool import Pool

ARCHIVE_IS_INTACT = "archived_versions_are_intact"


@asset(
    partitions_def=operators_partitions,
    deps=[operator_registry],
    group_name="collect",
    pool=FEED_FETCH_POOL,
    retry_policy=COLLECTION_RETRY,
    kinds={"http", "sql"},
    owners=["team:data-engineering"],
    check_specs=[
        operator_check(
            ARCHIVE_IS_INTACT,
            asset="collected_feeds",
            blocking=True,
            description="Each feed's latest archived version still has the bytes the catalogue recorded.",
        )
    ],
)
def collected_feeds(
    context: AssetExecutionContext, pool: ResourceParam[Pool], feed_client: ResourceParam[FeedClientFactory]
) -> MaterializeResult:
    """One operator's feeds as last collected: new static versions archived under
    `archive/<operator>/<feed>/<hash>.zip`, GBFS / GTFS-RT snapshots kept for the retention window,
    and every fetch recorded in the catalogue. A failed fetch fails the partition, naming the
    operator, feed, URL and cause, after the operator's other feeds were collected.
    """
    return collect_operator(pool, feed_client, context.partition_key, context.log)


def collect_operator(pool: Pool, feed_client: FeedClientFactory, operator_id: str, log: Logger) -> MaterializeResult:
    """`collected_feeds` for one operator (also run by the pool's parallel refresh)."""
    operator = pool.operator(operator_id)
    settings = pool.region.collection
    collector = Collector(client=feed_client(settings), catalogue=pool.catalogue, archive=pool.archive,
                          snapshots=pool.snapshots, settings=settings)
    result = collector.collect_operator(operator)
    for feed in result.feeds:
        (log.error if feed.failed else log.info)(feed.describe())
    if result.failures:
        raise Failure(  # the client already retried what was worth retrying: the run's retry policy does not
            description="; ".join(feed.describe() for feed in result.failures),
            metadata={"failed_feeds": len(result.failures)},
            allow_retries=False,
        )
    integrity = verify_latest_versions(pool.catalogue, pool.archive, operator)

    return MaterializeResult(
        metadata={
            "dagster/row_count": len(result.feeds),
            "new_versions": len(result.new_versions),
            "pruned_snapshots": result.pruned_snapshots,
            "preview": MetadataValue.md(collection_markdown(result)),
        },
        check_results=[
            AssetCheckResult(
                check_name=ARCHIVE_IS_INTACT,
                passed=not integrity,
                severity=AssetCheckSeverity.ERROR,
                metadata={"problems": MetadataValue.json(integrity)},
            )
        ],
    )
