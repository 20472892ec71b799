"""A daily collection of every operator's feeds."""

from dagster import RunRequest, ScheduleEvaluationContext, schedule

from pipelines.jobs import collect_job
from pipelines.partitions import OPERATORS_PARTITION


@schedule(job=collect_job, cron_schedule="0 4 * * *", execution_timezone="UTC", name="daily_collection")
def daily_collection(context: ScheduleEvaluationContext):
    """At 04:00 UTC, one run per operator partition."""
    stamp = context.scheduled_execution_time.strftime("%Y-%m-%d")
    for operator_id in context.instance.get_dynamic_partitions(OPERATORS_PARTITION):
        yield RunRequest(run_key=f"{stamp}:{operator_id}", partition_key=operator_id)
