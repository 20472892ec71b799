"""The quality gate, partitioned by operator: validate new versions, choose the version in force."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    asset,
)

from assets.automation import DAILY_FRESHNESS, PER_OPERATOR, REGION
from assets.collect import collected_feeds
from assets.partitions import operator_check, operators_partitions
from assets.previews import markdown_table
from quality.gatekeeper import FeedGate
from quality.overview import overview_rows
from quality.report import write_overview_html
from regie.pool import Pool

NEWEST_VERSION_PASSES = "newest_version_passes_gate"
EXPECTATIONS_MET = "regional_expectations_met"
HAS_ACCEPTED = "has_accepted_version"
NOT_EXPIRED = "accepted_feed_not_expired"
NOT_EXPIRING = "accepted_feed_not_expiring_soon"
OPERATORS_NEED_NOTHING = "no_operator_needs_action"


def _gates(pool: Pool, operator_id: str) -> list[FeedGate]:
    return pool.gatekeeper.gate_operator(pool.operator(operator_id))


@asset(
    partitions_def=operators_partitions,
    deps=[collected_feeds],
    group_name="validate",
    automation_condition=PER_OPERATOR,
    kinds={"python", "sql"},
    owners=["team:quality"],
    check_specs=[
        operator_check(NEWEST_VERSION_PASSES, asset="feed_validation",
                       description="The newest version of each GTFS feed has no blocking findings (waived ones excepted)."),
        operator_check(EXPECTATIONS_MET, asset="feed_validation",
                       description="The region's Great Expectations suites pass on the newest version."),
    ],
)
def feed_validation(context: AssetExecutionContext, pool: ResourceParam[Pool]) -> MaterializeResult:
    """Every new version of the operator's GTFS feeds validated at the region's `as_of` date:
    pre-screen, canonical rules (gtfs-guru, sandboxed), our own rules, the region's expectations,
    waivers, score; findings stored in the catalogue and reports written under
    `reports/<operator>/<feed>/<version>/report.{json,html}`.
    """
    return validate_operator(pool, context.partition_key)


def validate_operator(pool: Pool, operator_id: str) -> MaterializeResult:
    """`feed_validation` for one operator (also run by the pool's parallel refresh)."""
    gates = _gates(pool, operator_id)
    rows, blocked, failed_suites = [], [], []
    for gate in gates:
        latest = gate.latest
        if latest is None:
            continue
        rows.append([gate.feed_id, latest.content_hash[:12], "blocked" if latest.blocked else "passes",
                     latest.errors, latest.warnings, latest.waived, "" if latest.score is None else f"{latest.score:.1f}",
                     latest.report_path or ""])
        if latest.blocked:
            blocked.append(f"{gate.feed_id}: version {latest.content_hash[:12]} has {latest.errors} errors")
        failed_suites += [f"{gate.feed_id}: {suite['file']}: {', '.join(suite['failed'])}"
                          for suite in (latest.expectations or {}).values() if isinstance(suite, dict) and suite.get("failed")]
    expectations = {gate.feed_id: gate.latest.expectations for gate in gates if gate.latest}
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(rows),
            "validated_now": sum(len(g.validated_now) for g in gates),
            "preview": MetadataValue.md(
                markdown_table(["feed", "version", "verdict", "errors", "warnings", "waived", "score", "report"], rows)),
        },
        check_results=[
            AssetCheckResult(check_name=NEWEST_VERSION_PASSES, passed=not blocked, severity=AssetCheckSeverity.WARN,
                             metadata={"blocked": MetadataValue.json(blocked)}),
            AssetCheckResult(check_name=EXPECTATIONS_MET, passed=not failed_suites, severity=AssetCheckSeverity.WARN,
                             metadata={"failed": MetadataValue.json(failed_suites),
                                       "suites": MetadataValue.json(expectations)}),
        ],
    )


@asset(
    partitions_def=operators_partitions,
    deps=[feed_validation],
    group_name="validate",
    automation_condition=PER_OPERATOR,
    freshness_policy=DAILY_FRESHNESS,
    kinds={"python", "sql"},
    owners=["team:quality"],
    check_specs=[
        operator_check(HAS_ACCEPTED, asset="accepted_feed",
                       description="Each GTFS feed has a version without blocking findings."),
        operator_check(NOT_EXPIRED, asset="accepted_feed",
                       description="The accepted version still has service on the region's date."),
        operator_check(NOT_EXPIRING, asset="accepted_feed",
                       description="The accepted version's service lasts beyond the warning window (14 days by default)."),
    ],
)
def accepted_feed(context: AssetExecutionContext, pool: ResourceParam[Pool]) -> MaterializeResult:
    """The version of each of the operator's GTFS feeds in force on the region's `as_of` date: the
    newest version without blocking findings. A blocked new version never replaces it."""
    return accept_operator(pool, context.partition_key)


def accept_operator(pool: Pool, operator_id: str) -> MaterializeResult:
    """`accepted_feed` for one operator (also run by the pool's parallel refresh)."""
    gates = _gates(pool, operator_id)
    rows = []
    flagged: dict[str, list[str]] = {"none": [], "expired": [], "expiring": []}  # gate.expiry -> "<feed>: <why>"
    for gate in gates:
        accepted = gate.accepted
        rows.append([gate.feed_id, accepted.content_hash[:12] if accepted else "none",
                     "yes" if gate.serving_older else "", accepted.feed_end if accepted else "", gate.expiry_text])
        if gate.expiry in flagged:
            flagged[gate.expiry].append(f"{gate.feed_id}: {gate.expiry_text}")
    expired, expiring = flagged["expired"], flagged["expiring"]
    missing = [f"{gate.feed_id}: {gate.expiry_text}" for gate in gates if gate.accepted is None]  # expired ones too
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(rows),
            "accepted": MetadataValue.json({g.feed_id: g.accepted.content_hash if g.accepted else None for g in gates}),
            "preview": MetadataValue.md(
                markdown_table(["feed", "accepted version", "older kept", "service until", "status"], rows)),
        },
        check_results=[
            AssetCheckResult(check_name=HAS_ACCEPTED, passed=not missing, severity=AssetCheckSeverity.ERROR,
                             metadata={"feeds": MetadataValue.json(missing)}),
            AssetCheckResult(check_name=NOT_EXPIRED, passed=not expired, severity=AssetCheckSeverity.ERROR,
                             metadata={"feeds": MetadataValue.json(expired)}),
            AssetCheckResult(check_name=NOT_EXPIRING, passed=not expiring, severity=AssetCheckSeverity.WARN,
                             metadata={"feeds": MetadataValue.json(expiring)}),
        ],
    )


@asset(
    deps=[accepted_feed],
    group_name="validate",
    automation_condition=REGION,
    kinds={"html"},
    owners=["team:quality"],
    check_specs=[
        AssetCheckSpec(OPERATORS_NEED_NOTHING, asset="quality_overview",
                       description="No operator needs action: each GTFS feed has a version in force that has not "
                                   "expired, and no newer version is blocked. Names every operator that does."),
    ],
)
def quality_overview(context: AssetExecutionContext, pool: ResourceParam[Pool]) -> MaterializeResult:
    """The regional overview page, `reports/index.html`: every operator's score, errors, verdict,
    version in force, expiry and last update, each linking to its latest report."""
    region, reports_dir = pool.region, pool.paths.reports_dir
    rows = overview_rows(pool.registry, pool.gatekeeper)
    path = reports_dir / "index.html"
    write_overview_html(rows, path, region_name=region.name, as_of=region.as_of,
                        expiry_warning_days=pool.quality_config.expiry_warning_days,
                        static_dir=reports_dir / "static", languages=region.languages,
                        data_dir=pool.paths.data_dir)
    context.log.info(f"overview written to {path}")
    needing_action = _operators_needing_action(pool)
    return MaterializeResult(
        metadata={"dagster/row_count": len(rows), "path": MetadataValue.path(str(path))},
        check_results=[AssetCheckResult(
            check_name=OPERATORS_NEED_NOTHING, passed=not needing_action, severity=AssetCheckSeverity.WARN,
            description="; ".join(f"{operator}: {', '.join(why)}" for operator, why in needing_action.items()) or None,
            metadata={"operators": MetadataValue.json(needing_action)})],
    )


def _operators_needing_action(pool: Pool) -> dict[str, list[str]]:
    """Operator id -> what is wrong with its GTFS feeds, read without validating anything new: the
    region-level view of the per-operator checks, so the UI names every failing operator at once."""
    needing: dict[str, list[str]] = {}
    for operator in pool.registry.operators:
        for gate in pool.gatekeeper.gate_operator(operator, validate=False):
            why = []
            if gate.accepted is None:
                why.append(f"{gate.feed_id}: no version in force")
            elif gate.expiry == "expired":
                why.append(f"{gate.feed_id}: {gate.expiry_text}")
            latest = gate.latest
            if latest is not None and latest.blocked:
                why.append(f"{gate.feed_id}: newest version {latest.content_hash[:12]} blocked ({latest.errors} errors)")
            if why:
                needing.setdefault(operator.id, []).extend(why)
    return needing
