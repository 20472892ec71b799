"""The daily refresh of every operator; the region's outputs follow by themselves
(see assets/automation.py and the `follow_upstream` sensor)."""

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from pipelines.parallel import refresh_pool_job


@schedule(job=refresh_pool_job, cron_schedule="0 4 * * *", execution_timezone="UTC", name="daily_refresh",
          default_status=DefaultScheduleStatus.RUNNING)
def daily_refresh(context: ScheduleEvaluationContext):
    """At 04:00 UTC, one `refresh_pool` run: every operator of the registry collected, validated,
    accepted and normalised, in parallel steps of a few operators. The region's outputs then follow
    (declarative automation)."""
    return RunRequest(run_key=context.scheduled_execution_time.strftime("%Y-%m-%d"),
                      run_config={"ops": {"operators_to_refresh": {"config": {"operator_ids": []}}}})
