"""The journey graphs of the region (internal: the authorities' planner; open: files for re-users)
and the integration indicator, from the regional feeds and the latest bike-share snapshots."""

from datetime import timedelta

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    asset,
)

from assets.automation import CRITICAL_PATH, OFF_PATH, REGION
from assets.collect import collected_feeds
from assets.integrate import FEEDS
from assets.previews import markdown_table
from regie.journeys.run import (
    GraphOutcome,
    build_region_graph,
    empty_service_days,
    hubs_cut_off,
    latest_gbfs_snapshots,
    region_benefit,
)
from regie.pool import Pool

SERVICE_EVERY_DAY = "graph_has_service_every_day"
NO_HUB_CUT_OFF = "no_hub_cut_off"
OPEN_SERVICE_EVERY_DAY = "open_graph_has_service_every_day"


def _built(pool: Pool, name: str) -> GraphOutcome:
    outcome = build_region_graph(pool.paths, pool.region, pool.registry.operators, name, latest_gbfs_snapshots(pool))
    if outcome.graph is None:
        raise Failure(description=f"{name} journey graph: {outcome.reason}")
    return outcome


def _metadata(outcome: GraphOutcome) -> dict:
    graph = outcome.graph
    assert graph is not None
    return {
        "dagster/row_count": graph.connection_count,
        "feed_version": graph.source_feed_version,
        "window": f"{graph.first_day + timedelta(days=1)} to {graph.first_day + timedelta(days=graph.days - 1)}",
        "stops": graph.stop_count,
        "footpaths": int(len(graph.foot_to)),
        "operators": MetadataValue.json([str(op) for op in graph.operator_ids]),
        "bike_share": MetadataValue.json(list(outcome.bike_operators)),
        "array_mib": round(graph.array_bytes() / 2**20, 2),
        "folder": MetadataValue.path(str(outcome.folder)),
    }


def _service_check(name: str, outcome: GraphOutcome, asset_key: str) -> AssetCheckResult:
    assert outcome.graph is not None
    empty = empty_service_days(outcome.graph)
    return AssetCheckResult(asset_key=asset_key, check_name=name, passed=not empty, severity=AssetCheckSeverity.ERROR,
                            metadata={"days_without_service": MetadataValue.json(empty)})


@asset(
    deps=[FEEDS, collected_feeds],
    group_name="journeys",
    automation_condition=REGION,
    kinds={"python", "parquet"},
    owners=["team:integration"],
    check_specs=[
        AssetCheckSpec(SERVICE_EVERY_DAY, asset="journey_graph",
                       description="Every service day of the planner's window has connections."),
        AssetCheckSpec(NO_HUB_CUT_OFF, asset="journey_graph",
                       description="Every hub of the integrator reaches, and is reached from, the rest of the "
                                   "network within the window."),
    ],
)
def journey_graph(context: AssetExecutionContext, pool: ResourceParam[Pool]) -> MaterializeResult:
    """The region's multimodal journey graph from the internal regional feed (every operator,
    restricted ones included): timetabled connections of the planner's window from `as_of`,
    walking transfers, footpaths within stations and bike-share legs from the latest GBFS
    snapshots; written to `journeys/internal/` for `regie journey` and `regie serve`, never
    published."""
    outcome = _built(pool, "internal")
    assert outcome.graph is not None
    cut_off = hubs_cut_off(pool.paths, outcome.graph)
    for warning in getattr(outcome.graph, "warnings", [])[:20]:
        context.log.warning(warning)
    return MaterializeResult(
        metadata=_metadata(outcome),
        check_results=[
            _service_check(SERVICE_EVERY_DAY, outcome, "journey_graph"),
            AssetCheckResult(check_name=NO_HUB_CUT_OFF, passed=not cut_off, severity=AssetCheckSeverity.ERROR,
                             metadata={"cut_off": MetadataValue.md(markdown_table(
                                 ["hub", "name", "reason"], [[h.hub_id, h.name, h.reason] for h in cut_off]) if cut_off
                                 else "none")}),
        ],
    )


@asset(
    deps=[FEEDS, collected_feeds],
    group_name="journeys",
    automation_condition=REGION,
    op_tags=CRITICAL_PATH,  # the release waits for it
    kinds={"python", "parquet"},
    owners=["team:integration"],
    check_specs=[AssetCheckSpec(OPEN_SERVICE_EVERY_DAY, asset="open_journey_graph",
                                description="Every service day of the open graph's window has connections.")],
)
def open_journey_graph(context: AssetExecutionContext, pool: ResourceParam[Pool]) -> MaterializeResult:
    """The same graph built from the open regional feed and open operators' bike share only, as
    Parquet files with a documented schema that re-users load without Régie
    (`journeys/open/`). Refused if anything of a restricted operator reached it."""
    outcome = _built(pool, "open")
    return MaterializeResult(metadata=_metadata(outcome),
                             check_results=[_service_check(OPEN_SERVICE_EVERY_DAY, outcome, "open_journey_graph")])


@asset(
    deps=[journey_graph],
    group_name="journeys",
    automation_condition=REGION,
    op_tags=OFF_PATH,
    kinds={"python", "csv"},
    owners=["team:integration"],
)
def integration_benefit(context: AssetExecutionContext, pool: ResourceParam[Pool]) -> MaterializeResult:
    """What integration brings, for the authorities: for a sample of each operator's stops, the
    stops reachable within the planner's budget (60 minutes by default) on that operator's network
    alone against the whole region's; a per-operator table and the regional figure in
    `journeys/benefit.{csv,json}`."""
    benefit = region_benefit(pool.paths, pool.region)
    table = benefit.table
    return MaterializeResult(metadata={
        "dagster/row_count": len(table),
        "regional_ratio": round(benefit.regional_ratio, 3),
        "table": MetadataValue.path(str(benefit.files["csv"])),
        "preview": MetadataValue.md(markdown_table(list(table.columns), table.round(2).values.tolist())),
    })
