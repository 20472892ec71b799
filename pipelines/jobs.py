"""Jobs: collect the operators' feeds (partitioned) and refresh the registry."""

from dagster import AssetSelection, define_asset_job


collect_job = define_asset_job(
    "collect_feeds",
    selection=AssetSelection.groups("collect"),
    description="Fetch one operator's feeds, archive new versions and record every fetch.",
)

registry_job = define_asset_job(
    "refresh_registry",
    selection=AssetSelection.groups("registry"),
    description="Parse and validate the region and operator registry.",
)
