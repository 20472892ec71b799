"""Sensors: a new operator in the registry gets its partition and a first run; every asset with an
automation condition follows its upstream."""

from dagster import (
    AssetSelection,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    ResourceParam,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from assets.partitions import OPERATORS_PARTITION, operators_partitions
from pipelines.jobs import operator_job
from pipelines.tags import operator_run_tags
from regie.config import ConfigError
from regie.pool import Pool


@sensor(
    job=operator_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    name="registry_operators",
)
def registry_operators(context: SensorEvaluationContext, pool: ResourceParam[Pool]):
    """Compare the registry with the operator partitions; add the new ones and collect them."""
    try:
        wanted = pool.registry.ids
    except ConfigError as exc:
        return SkipReason(f"registry is invalid: {exc}")
    known = set(context.instance.get_dynamic_partitions(OPERATORS_PARTITION))
    new = [operator_id for operator_id in wanted if operator_id not in known]
    if not new:
        return SkipReason(f"all {len(wanted)} operators already have a partition")
    return SensorResult(
        run_requests=[RunRequest(partition_key=operator_id, run_key=f"added:{operator_id}",
                                 tags=operator_run_tags(pool.registry.operator(operator_id))) for operator_id in new],
        dynamic_partitions_requests=[operators_partitions.build_add_request(new)],
    )


follow_upstream = AutomationConditionSensorDefinition(
    "follow_upstream",
    target=AssetSelection.all(),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates the assets' automation conditions (assets/automation.py): validation and "
                "normalisation follow each operator's collection; the region's outputs follow the operators.",
)
