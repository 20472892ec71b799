"""Integration fees: each operator's fee for the fee year, and the region's budget coverage."""

from datetime import UTC, datetime

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

from assets.automation import REGION
from assets.previews import markdown_table
from assets.validate import accepted_feed
from regie.fees.history import record_fees
from regie.fees.run import region_fee_run, write_fee_outputs
from regie.pool import Pool

EVERY_OPERATOR_HAS_A_FEE = "every_operator_has_a_fee"
BUDGET_COVERED = "platform_budget_covered"


@asset(
    deps=[accepted_feed],
    group_name="fees",
    automation_condition=REGION,
    kinds={"python", "html", "sql"},
    owners=["team:finance"],
    check_specs=[
        AssetCheckSpec(EVERY_OPERATOR_HAS_A_FEE, asset="integration_fees",
                       description="Every operator's fee could be computed (no missing or stale ridership, no missing metrics)."),
        AssetCheckSpec(BUDGET_COVERED, asset="integration_fees",
                       description="The fees add up to at least the configured annual platform budget."),
    ],
)
def integration_fees(context: AssetExecutionContext, pool: ResourceParam[Pool]) -> MaterializeResult:
    """Each operator's annual integration fee for the fee year (the year of the region's `as_of`),
    from its accepted feeds' network metrics and declared ridership, by the brackets of
    `configs/tiers.yaml`: a statement per operator (`fees/<year>/<operator>.{json,html}`), the
    region's total against the platform budget (`fees/<year>/summary.{json,html}`), and the fee
    history in the catalogue.
    """
    run, summary = region_fee_run(pool)
    record_fees(pool.catalogue, run.results, as_of=pool.region.as_of, computed_at=datetime.now(UTC))
    written = write_fee_outputs(run, summary, pool.paths.fees_dir, region=pool.region, data_dir=pool.paths.data_dir)
    errors = [f"{r.operator_id}: {r.message}" for r in run.results if not r.ok]
    rows = [[r.operator_id, r.amount_eur if r.ok else "—",
             ", ".join(f"{k} {v}" for k, v in r.brackets.items()) if r.ok else r.message]
            for r in run.results]
    for error in errors:
        context.log.warning(error)
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(run.results),
            "fee_year": run.fee_year,
            "total_eur": summary.total_cents / 100,
            "coverage": round(summary.coverage, 3) if summary.coverage is not None else None,
            "summary": MetadataValue.path(str(written[-1])),
            "preview": MetadataValue.md(markdown_table(["operator", "fee", "brackets / error"], rows)),
        },
        check_results=[
            AssetCheckResult(check_name=EVERY_OPERATOR_HAS_A_FEE, passed=not errors, severity=AssetCheckSeverity.WARN,
                             metadata={"errors": MetadataValue.json(errors)}),
            AssetCheckResult(check_name=BUDGET_COVERED, passed=bool(summary.coverage and summary.coverage >= 1.0),
                             severity=AssetCheckSeverity.WARN,
                             metadata={"coverage": MetadataValue.float(float(summary.coverage or 0.0))}),
        ],
    )
