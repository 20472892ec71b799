"""Publishing: the open-data release (files, catalogue, portal), its checks, and the SQL database
of its tables."""

from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    asset,
    asset_check,
)

from assets.automation import CRITICAL_PATH, DAILY_FRESHNESS, LONGEST_FIRST, REGION
from assets.previews import markdown_table
from regie.pool import Pool
from regie.publish.audit import catalogue_violations, release_leaks
from regie.publish.database import load_release, publish_database_url
from regie.publish.notes_ahead import prepare_notes
from regie.publish.release import PUBLIC_DIR, latest_release
from regie.publish.run import publish_pool, releases_dir

CATALOGUE_CONFORMS = "catalogue_conforms_to_shacl"
NO_RESTRICTED = "no_restricted_operator_in_release"


@asset(
    deps=["regional_feeds"],
    group_name="publish",
    op_tags=LONGEST_FIRST,
    kinds={"python", "json"},
    owners=["team:open-data"],
    automation_condition=REGION,
)
def release_notes(pool: ResourceParam[Pool]) -> MaterializeResult:
    """What the next release's notes will say changed in the open regional feed since the newest
    release, worked out ahead (beside the journey graphs) and kept beside the feed; the release
    uses them while they still match the feed and the previous release (`regie.publish.notes_ahead`)."""
    regional = pool.paths.integration_dir / "open" / "regional.zip"
    if not regional.is_file():
        return MaterializeResult(metadata={"status": "no open regional feed"})
    notes = prepare_notes(regional, releases_dir(pool.paths.data_dir))
    region = notes.region
    rows = [[kind, len(part.added), len(part.removed), len(part.changed)]
            for kind, part in (("stops", region.stops), ("routes", region.routes), ("trips", region.trips))]
    return MaterializeResult(metadata={
        "status": "first release" if region.first else "changes" if not region.is_empty else "no change",
        "previous": notes.previous or "none",
        "operators": len(notes.operators),
        "preview": MetadataValue.md(markdown_table(["kind", "added", "removed", "changed"], rows)),
    })


@asset(
    deps=["regional_feeds", "open_feed_quality", "release_notes", "quality_overview", "integration_fees",
          "open_journey_graph"],
    group_name="publish",
    op_tags=CRITICAL_PATH,
    kinds={"python", "parquet", "html"},
    owners=["team:open-data"],
    automation_condition=REGION,
    freshness_policy=DAILY_FRESHNESS,
)
def release(context: AssetExecutionContext, pool: ResourceParam[Pool]) -> MaterializeResult:
    """The pool's open-data release `releases/<UTC time>/site/`: the open regional GTFS feed and
    each open operator's feed, every table as Parquet and CSV, GeoJSON of stops and routes, GBFS
    station files, the open journey graph, the open operators' quality reports, ATTRIBUTION.txt,
    a mobilityDCAT-AP catalogue, the portal's pages and SHA256SUMS. Switched in atomically as
    `releases/latest`; nothing is written when the inputs did not change. Its two checks run as
    steps of their own, beside the database's."""
    outcome = publish_pool(pool)
    site = outcome.release_dir / PUBLIC_DIR
    if outcome.status == "unchanged":
        context.log.info(f"nothing changed since release {outcome.release_id}: no new release")
    files = [path for path in site.rglob("*") if path.is_file()]
    return MaterializeResult(
        metadata={
            "status": outcome.status,
            "release": outcome.release_id,
            "previous": outcome.previous.name if outcome.previous else "none",
            "files": len(files),
            "bytes": sum(path.stat().st_size for path in files),
            "portal": MetadataValue.path(str(site / "index.html")),
            "catalogue": MetadataValue.path(str(site / "catalogue.jsonld")),
        },
    )


def _latest(pool: Pool) -> Path:
    """The newest release (what the checks and the database take)."""
    latest = latest_release(releases_dir(pool.paths.data_dir))
    if latest is None:
        raise RuntimeError(f"{releases_dir(pool.paths.data_dir)}: no release yet")
    return latest


@asset_check(asset=release, name=CATALOGUE_CONFORMS,
             description="The release's catalogue has no sh:Violation against the DCAT-AP 3.0.0 and "
                         "mobilityDCAT-AP 1.0.0 shapes (skipped when the shapes are not installed).")
def catalogue_conforms(pool: ResourceParam[Pool]) -> AssetCheckResult:
    latest = _latest(pool)
    found = catalogue_violations(latest)
    return AssetCheckResult(passed=not found, severity=AssetCheckSeverity.ERROR,
                            metadata={"release": latest.name, "violations": MetadataValue.json((found or [])[:50]),
                                      "validated": found is not None})


@asset_check(asset=release, name=NO_RESTRICTED, op_tags=CRITICAL_PATH,
             description="No published file (zip members and Parquet values included) holds the namespace, a name "
                         "or a stop position of a restricted operator (regie.publish.leaks).")
def no_restricted_operator(pool: ResourceParam[Pool]) -> AssetCheckResult:
    latest = _latest(pool)
    traces = release_leaks(latest, pool.paths.data_dir, pool.registry)
    return AssetCheckResult(passed=not traces, severity=AssetCheckSeverity.ERROR,
                            metadata={"release": latest.name, "traces": MetadataValue.json(traces[:50])})


@asset(
    deps=[release],
    group_name="publish",
    kinds={"python", "sql"},
    owners=["team:open-data"],
    automation_condition=REGION,
)
def published_database(context: AssetExecutionContext, pool: ResourceParam[Pool]) -> MaterializeResult:
    """The latest release's tables in a SQL database: SQLite `published.db` by default,
    PostgreSQL (with PostGIS geometries) when REGIE_PUBLISH_DATABASE_URL is set; loaded into
    staging tables and swapped in one transaction, so readers never see half a release."""
    latest = _latest(pool)
    result = load_release(latest, publish_database_url(pool.paths.data_dir))
    rows = [[table, count] for table, count in sorted(result.tables.items())]
    return MaterializeResult(metadata={
        "release": result.release_id,
        "database": result.database,
        "loaded": result.loaded,
        "dagster/row_count": sum(result.tables.values()),
        "preview": MetadataValue.md(markdown_table(["table", "rows"], rows)),
    })
