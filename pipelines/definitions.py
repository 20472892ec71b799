"""The one wiring file: every asset, check, job, schedule, sensor and resource of Régie."""

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from assets import collect, fees, integrate, journeys, publish, registry, validate
from pipelines.alerts import alert_on_failed_checks, alert_on_run_failure
from pipelines.jobs import collect_job, operator_job, region_job, registry_job
from pipelines.parallel import refresh_pool_job
from pipelines.resources import HttpFeedClientResource, PoolResource
from pipelines.schedules import daily_refresh
from pipelines.sensors import follow_upstream, registry_operators

ASSET_MODULES = [registry, collect, validate, fees, integrate, journeys, publish]


def build_definitions(resources: dict | None = None) -> Definitions:
    """Definitions with the production resources, or the given ones (tests, offline runs)."""
    return Definitions(
        assets=load_assets_from_modules(ASSET_MODULES),
        asset_checks=load_asset_checks_from_modules(ASSET_MODULES),
        jobs=[collect_job, operator_job, region_job, registry_job, refresh_pool_job],
        schedules=[daily_refresh],
        sensors=[registry_operators, follow_upstream, alert_on_run_failure, alert_on_failed_checks],
        resources=resources or {"pool": PoolResource(), "feed_client": HttpFeedClientResource()},
    )


defs = build_definitions()
