"""A daily collection of every operator's feeds."""

from dagster import RunRequest, ScheduleEvaluationContext, schedule

from assets.partitions import OPERATORS_PARTITION
from pipelines.jobs import operator_job, region_job


@schedule(job=operator_job, cron_schedule="0 4 * * *", execution_timezone="UTC", name="daily_collection")
def daily_collection(context: ScheduleEvaluationContext):
    """At 04:00 UTC, one run per operator partition: collect, validate, choose the version in force."""
    stamp = context.scheduled_execution_time.strftime("%Y-%m-%d")
    for operator_id in context.instance.get_dynamic_partitions(OPERATORS_PARTITION):
        yield RunRequest(run_key=f"{stamp}:{operator_id}", partition_key=operator_id)


@schedule(job=region_job, cron_schedule="0 5 * * *", execution_timezone="UTC", name="daily_region_outputs")
def daily_region_outputs(context: ScheduleEvaluationContext):
    """At 05:00 UTC, after the operators' runs: the region's outputs."""
    return RunRequest(run_key=context.scheduled_execution_time.strftime("%Y-%m-%d"))
