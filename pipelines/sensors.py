"""Adds an operator partition (and collects it) as soon as the registry gains the operator."""

from dagster import (
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
        run_requests=[RunRequest(partition_key=operator_id, run_key=f"added:{operator_id}") for operator_id in new],
        dynamic_partitions_requests=[operators_partitions.build_add_request(new)],
    )
