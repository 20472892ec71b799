"""The integrator: each operator's versions in force normalised (partitioned), then the region's
interchange hubs, walking transfers, regional feeds (internal and open) and reconciliation, and
the quality gate's verdict on each regional feed."""

from logging import Logger

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    asset,
    multi_asset,
)

from assets.automation import CRITICAL_PATH, OFF_PATH, PER_OPERATOR, REGION, REGION_MERGE_POOL
from assets.partitions import operator_check, operators_partitions
from assets.previews import markdown_table
from assets.validate import accepted_feed
from regie.integrate.merge.audit import foreign_ids, unbalanced_tables
from regie.integrate.run import gate_regional_feed, normalise_for_pool, region_integration
from regie.pool import Pool

OPERATOR_INTEGRATED = "operator_integrated"
MATCHES_REVIEWED = "stop_matches_reviewed"
OPEN_FEED_OPEN_ONLY = "open_feed_has_only_open_operators"
POOL_CHECKS = "pool_checks_clean"
RECONCILED = "every_row_accounted_for"

HUBS, TRANSFERS, FEEDS, RECONCILIATION = "stop_hubs", "walking_transfers", "regional_feeds", "integration_reconciliation"


@asset(
    partitions_def=operators_partitions,
    deps=[accepted_feed],
    group_name="integrate",
    automation_condition=PER_OPERATOR,
    kinds={"python", "pandas"},
    owners=["team:integration"],
    check_specs=[operator_check(OPERATOR_INTEGRATED, asset="normalised_feed",
                                description="The operator's versions in force were normalised (not refused, not missing).")],
)
def normalised_feed(context: AssetExecutionContext, pool: ResourceParam[Pool]) -> MaterializeResult:
    """The operator's versions in force as one clean operator feed: regional filter, UTF-8 text,
    ids namespaced `<operator>:<id>`, basic route types, times in the region's zone; written to
    `integration/normalised/<operator>/` with its reconciliation table (rows in, out, dropped and
    why) and notes."""
    return normalise_operator(pool, context.partition_key, context.log)


def normalise_operator(pool: Pool, operator_id: str, log: Logger) -> MaterializeResult:
    """`normalised_feed` for one operator (also run by the pool's parallel refresh)."""
    operator = pool.operator(operator_id)
    result = normalise_for_pool(pool, operator)
    severity = AssetCheckSeverity.ERROR if result.status == "refused" else AssetCheckSeverity.WARN
    if result.status in ("refused", "no_accepted_version"):
        log.warning(f"{operator.id}: {result.reason}")
    rows = [[name, count] for name, count in sorted((result.row_counts or {}).items())]
    return MaterializeResult(
        metadata={
            "status": result.status,
            "dagster/row_count": sum((result.row_counts or {}).values()),
            "versions": MetadataValue.json(list(result.versions)),
            "notes": MetadataValue.md("\n".join(f"- {note}" for note in result.notes) or "none"),
            "preview": MetadataValue.md(markdown_table(["table", "rows"], rows)),
            **({"folder": MetadataValue.path(str(result.folder))} if result.folder else {}),
        },
        check_results=[AssetCheckResult(check_name=OPERATOR_INTEGRATED, passed=result.status in ("normalised", "no_gtfs"),
                                        severity=severity, metadata={"reason": result.reason or "ok"})],
    )


@multi_asset(
    pool=REGION_MERGE_POOL,
    op_tags=CRITICAL_PATH,
    specs=[
        AssetSpec(HUBS, deps=[normalised_feed], group_name="integrate", automation_condition=REGION, kinds={"python", "csv"},
                  owners=["team:integration"],
                  description="Interchange hubs: stops of different operators matched (distance, name, mode; "
                              "overrides in configs/stop_matches.yaml), re-parented under one station; "
                              "`internal/hubs.csv`, `stop_matches.csv`, `stop_match_review.csv`."),
        AssetSpec(TRANSFERS, deps=[HUBS], group_name="integrate", automation_condition=REGION, kinds={"python", "csv"},
                  owners=["team:integration"],
                  description="Walking transfers between matched and nearby stops of different operators, each "
                              "with how it was computed; `internal/transfers.csv`."),
        AssetSpec(FEEDS, deps=[HUBS, TRANSFERS], group_name="integrate", automation_condition=REGION, kinds={"python", "gtfs"},
                  owners=["team:integration"],
                  description="The regional GTFS feeds: `internal/regional.zip` (every operator) and "
                              "`open/regional.zip` (open operators only), validated by the quality gate."),
        AssetSpec(RECONCILIATION, deps=[FEEDS], group_name="integrate", automation_condition=REGION, kinds={"python", "csv"},
                  owners=["team:integration"],
                  description="Rows in, out and dropped with the reason, per operator and table, from "
                              "normalisation to the merged feeds; pool-level findings; `internal/*.csv`."),
    ],
    check_specs=[
        AssetCheckSpec(MATCHES_REVIEWED, asset=HUBS,
                       description="No doubtful stop match awaits review, and every override names known stops."),
        AssetCheckSpec(OPEN_FEED_OPEN_ONLY, asset=FEEDS,
                       description="The open feed holds no id of an operator whose data is restricted."),
        AssetCheckSpec(POOL_CHECKS, asset=RECONCILIATION,
                       description="No pool-level warning: duplicate trips, unlinked stops metres apart, calendar gaps."),
        AssetCheckSpec(RECONCILED, asset=RECONCILIATION,
                       description="Every regional table has exactly the rows its reconciliation accounts for."),
    ],
)
def region_integration_assets(context: AssetExecutionContext, pool: ResourceParam[Pool]):
    """Match, transfer, merge, validate and reconcile the region from the normalised feeds."""
    integration, files = region_integration(pool)
    match = integration.match

    yield MaterializeResult(asset_key=HUBS, metadata={
        "dagster/row_count": len(match.hubs),
        "matches": int((match.matches["decision"] != "denied").sum()),
        "to_review": len(match.review),
        "hubs": MetadataValue.path(str(files["internal/hubs"])),
        "preview": MetadataValue.md(markdown_table(
            ["hub", "station", "name", "operators", "members"],
            [[h.hub_id, h.station_id, h.station_name, ", ".join(h.operators), len(h.members)]
             for h in match.hubs.itertuples()])),
    })
    doubts = {"review": len(match.review), "unknown_overrides": match.unknown_overrides, "conflicts": match.conflicts}
    yield AssetCheckResult(asset_key=HUBS, check_name=MATCHES_REVIEWED, severity=AssetCheckSeverity.WARN,
                           passed=not (len(match.review) or match.unknown_overrides or match.conflicts),
                           metadata={"doubts": MetadataValue.json(doubts)})

    transfers = integration.transfers
    yield MaterializeResult(asset_key=TRANSFERS, metadata={
        "dagster/row_count": len(transfers),
        "generated": int((transfers["source"] == "generated").sum()),
        "matched_pairs": int(transfers["matched"].sum()),
        "transfers": MetadataValue.path(str(files["internal/transfers"])),
    })

    leaks = foreign_ids(integration.feeds["open"])
    yield MaterializeResult(asset_key=FEEDS, metadata={
        "feed_version": integration.version,
        "internal": MetadataValue.path(str(files["internal/regional"])),
        "open": MetadataValue.path(str(files["open/regional"])),
        "preview": MetadataValue.md(markdown_table(
            ["feed", "operators", "stops", "trips"],
            [[name, len(feed.operators), feed.row_counts().get("stops", 0), feed.row_counts().get("trips", 0)]
             for name, feed in integration.feeds.items()])),
    })
    yield AssetCheckResult(asset_key=FEEDS, check_name=OPEN_FEED_OPEN_ONLY, passed=not leaks,
                           severity=AssetCheckSeverity.ERROR, metadata={"foreign_ids": MetadataValue.json(leaks)})

    findings = integration.pool_findings
    counts = findings.groupby(["code", "severity"]).size().reset_index(name="n")
    unbalanced = {name: unbalanced_tables(feed) for name, feed in integration.feeds.items()}
    unbalanced = {name: problems for name, problems in unbalanced.items() if problems}
    yield MaterializeResult(asset_key=RECONCILIATION, metadata={
        "dagster/row_count": sum(len(f.reconciliation) for f in integration.feeds.values()),
        "reconciliation": MetadataValue.path(str(files["internal/reconciliation"])),
        "pool_checks": MetadataValue.path(str(files["internal/pool_checks"])),
        "left_out": MetadataValue.json({row.operator_id: row.left_out for row in integration.operators.itertuples()
                                        if row.left_out}),
    })
    yield AssetCheckResult(asset_key=RECONCILIATION, check_name=POOL_CHECKS, severity=AssetCheckSeverity.WARN,
                           passed=not (findings["severity"] != "INFO").any(),
                           metadata={"findings": MetadataValue.md(markdown_table(
                               ["code", "severity", "findings"], counts.values.tolist()))})
    yield AssetCheckResult(asset_key=RECONCILIATION, check_name=RECONCILED, passed=not unbalanced,
                           severity=AssetCheckSeverity.ERROR, metadata={"unbalanced": MetadataValue.json(unbalanced)})


def _feed_quality(name: str, *, tags: dict[str, str] | None = None):
    """The asset `<name>_feed_quality`: the quality gate's verdict on one regional feed, a step of its own."""

    @asset(
        name=f"{name}_feed_quality",
        deps=[FEEDS],
        group_name="integrate",
        op_tags=tags,
        kinds={"python", "html"},
        owners=["team:integration"],
        automation_condition=REGION,
        description=f"The quality gate's verdict on the {name} regional feed at the region's `as_of`, its report under "
                    f"`reports/_region/{name}/`{' (published with the release)' if name == 'open' else ''}. A step of its "
                    "own, so that it runs beside the journey graphs.",
        check_specs=[AssetCheckSpec(f"{name}_feed_passes_quality_gate", asset=f"{name}_feed_quality",
                                    description=f"The {name} regional feed passes the quality gate (no blocking finding).")],
    )
    def feed_quality(pool: ResourceParam[Pool]) -> MaterializeResult:
        verdict = gate_regional_feed(pool, name)
        return MaterializeResult(
            metadata={"errors": verdict.counts.get("ERROR", 0), "warnings": verdict.counts.get("WARNING", 0),
                      "report": MetadataValue.path(str(verdict.report_html))},
            check_results=[AssetCheckResult(check_name=f"{name}_feed_passes_quality_gate", passed=not verdict.blocked,
                                            severity=AssetCheckSeverity.ERROR,
                                            metadata={"counts": MetadataValue.json(verdict.counts)})])

    return feed_quality


# the open feed's gate is on the way to the release (which publishes its report); the internal one is not
open_feed_quality = _feed_quality("open", tags=CRITICAL_PATH)
internal_feed_quality = _feed_quality("internal", tags=OFF_PATH)
