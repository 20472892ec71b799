"""A daily collection of every operator's feeds; everything downstream follows by itself
(see assets/automation.py and the `follow_upstream` sensor)."""

from dagster import DefaultScheduleStatus, ResourceParam, RunRequest, ScheduleEvaluationContext, schedule

from assets.partitions import OPERATORS_PARTITION
from pipelines.jobs import collect_job
from pipelines.tags import operator_run_tags
from regie.pool import Pool


@schedule(job=collect_job, cron_schedule="0 4 * * *", execution_timezone="UTC", name="daily_collection",
          default_status=DefaultScheduleStatus.RUNNING)
def daily_collection(context: ScheduleEvaluationContext, pool: ResourceParam[Pool]):
    """At 04:00 UTC, one collection run per operator partition. Validation, the version in force,
    normalisation and the region's outputs then follow their upstream (declarative automation)."""
    stamp = context.scheduled_execution_time.strftime("%Y-%m-%d")
    registry = pool.registry
    for operator_id in context.instance.get_dynamic_partitions(OPERATORS_PARTITION):
        if operator_id in registry.ids:  # an operator removed from the registry keeps its partition, idle
            yield RunRequest(run_key=f"{stamp}:{operator_id}", partition_key=operator_id,
                             tags=operator_run_tags(registry.operator(operator_id)))
