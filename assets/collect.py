"""Collection, partitioned by operator: fetch, archive new versions, record every fetch."""


from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.registry import operator_registry
from pipelines.partitions import operators_partitions
from pipelines.resources import FeedClientResource, PoolResource
from regie.collect import Collector
from regie.integrity import verify_latest_versions
from regie.registry_view import collection_markdown

ARCHIVE_IS_INTACT = "archived_versions_are_intact"


@asset(
    partitions_def=operators_partitions,
    deps=[operator_registry],
    group_name="collect",
    kinds={"http", "sql"},
    owners=["team:data-engineering"],
    check_specs=[
        AssetCheckSpec(
            ARCHIVE_IS_INTACT,
            asset="collected_feeds",
            blocking=True,
            description="Each feed's latest archived version still has the bytes the catalogue recorded.",
        )
    ],
)
def collected_feeds(
    context: AssetExecutionContext, pool: PoolResource, feed_client: FeedClientResource
) -> MaterializeResult:
    """One operator's feeds as last collected: new static versions archived under
    `archive/<operator>/<feed>/<hash>.zip`, GBFS / GTFS-RT snapshots kept for the retention window,
    and every fetch recorded in the catalogue. A failed fetch fails the partition, naming the
    operator, feed, URL and cause, after the operator's other feeds were collected.
    """
    operator = pool.registry().operator(context.partition_key)
    region = pool.region()
    catalogue = pool.catalogue()
    try:
        collector = Collector(
            client=feed_client.client(region.collection),
            catalogue=catalogue,
            archive=pool.archive(),
            snapshots=pool.snapshots(),
            settings=region.collection,
        )
        result = collector.collect_operator(operator)
        for feed in result.feeds:
            (context.log.error if feed.failed else context.log.info)(feed.describe())
        if result.failures:
            raise Failure(
                description="; ".join(feed.describe() for feed in result.failures),
                metadata={"failed_feeds": len(result.failures)},
            )
        integrity = verify_latest_versions(catalogue, pool.archive(), operator)
    finally:
        catalogue.dispose()

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
