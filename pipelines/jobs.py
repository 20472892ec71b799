"""Jobs: the per-operator pipeline (partitioned), the region's outputs, and the registry."""

from dagster import AssetSelection, define_asset_job

PER_OPERATOR_GROUPS = ("collect", "validate", "integrate")
REGION_ASSETS = ("quality_overview", "integration_fees", "stop_hubs", "walking_transfers", "regional_feeds",
                 "open_feed_quality", "internal_feed_quality", "integration_reconciliation", "journey_graph",
                 "open_journey_graph", "integration_benefit", "release_notes", "release", "published_database")

collect_job = define_asset_job(
    "collect_feeds",
    selection=AssetSelection.groups("collect"),
    description="One operator: fetch its feeds, archive new versions and record every fetch.",
)

operator_job = define_asset_job(
    "operator_feeds",
    selection=AssetSelection.groups(*PER_OPERATOR_GROUPS) - AssetSelection.assets(*REGION_ASSETS),
    description="One operator: fetch and archive its feeds, validate new versions, choose the version in force, "
                "normalise it.",
)

region_job = define_asset_job(
    "region_outputs",
    selection=AssetSelection.assets(*REGION_ASSETS),
    description="The region's outputs built from every operator: the quality overview, the fees, the "
                "interchange hubs, transfers and regional feeds, the journey graphs, the open-data release and its "
                "database.",
)

registry_job = define_asset_job(
    "refresh_registry",
    selection=AssetSelection.groups("registry"),
    description="Parse and validate the region and operator registry.",
)
