"""Alert sensors: a failed run, and a failed asset check (open-source Dagster has no ready-made
sensor over check evaluations), each raised as a `regie.alerts.Alert`: posted to the region's
webhook and kept in the catalogue (`regie status` shows each operator's last one)."""

from __future__ import annotations

import json

from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    DefaultSensorStatus,
    ResourceParam,
    RunFailureSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from pipelines.parallel import failed_operators
from regie.alerts.model import Alert, Severity
from regie.alerts.raise_alert import raise_alert
from regie.pool import Pool

PARTITION_TAG = "dagster/partition"
CHECK_EVENTS_PER_TICK = 500  # per check


def _failures(context: RunFailureSensorContext) -> list[tuple[str | None, str | None, str]]:
    """(operator, failed step, one-line cause) of a failed run: each operator a `refresh_pool`
    batch names as failed, else the first failed step with the library's own message (else
    Dagster's), the operator being the run's partition."""
    partition = context.dagster_run.tags.get(PARTITION_TAG)
    batched: list[tuple[str | None, str | None, str]] = []
    first: tuple[str | None, str | None, str] | None = None
    for event in context.get_step_failure_events():
        data = event.step_failure_data
        user = data.user_failure_data
        failed = failed_operators(data)
        if failed is not None:
            batched += [(operator_id, event.step_key, cause) for operator_id, cause in failed.items()]
        elif first is None and user is not None and user.description:
            first = (partition, event.step_key, user.description.strip().splitlines()[0])
        elif first is None and data.error is not None:
            first = (partition, event.step_key, data.error.message.strip().splitlines()[0])
    if batched:
        return batched
    return [first or (partition, None, (context.failure_event.message or "run failed").strip().splitlines()[0])]


@run_failure_sensor(name="alert_on_run_failure", default_status=DefaultSensorStatus.RUNNING,
                    minimum_interval_seconds=30)
def alert_on_run_failure(context: RunFailureSensorContext, pool: ResourceParam[Pool]) -> None:
    """Any failed run of the pool: an ERROR alert naming the operator and the failed step (one
    per failed operator of a `refresh_pool` run)."""
    run = context.dagster_run
    for operator_id, step, cause in _failures(context):
        raise_alert(Alert("run_failure", "ERROR", cause, operator_id=operator_id, asset=step, run_id=run.run_id),
                    region=pool.region, catalogue=pool.catalogue)


@sensor(name="alert_on_failed_checks", default_status=DefaultSensorStatus.RUNNING, minimum_interval_seconds=30)
def alert_on_failed_checks(context: SensorEvaluationContext, pool: ResourceParam[Pool]):
    """Every failed asset check since the last tick: an alert with the check's severity, naming the
    operator (the check's partition), the asset, the check and why. Reads each check's execution
    history (kept by every instance storage, SQLite's per-run shards included); the cursor holds the
    last execution seen per check."""
    repository = context.repository_def
    if repository is None:
        return SkipReason("the sensor runs without its definitions")
    seen: dict[str, int] = json.loads(context.cursor) if context.cursor else {}
    storage = context.instance.event_log_storage
    raised = evaluated = 0
    for check_key in sorted(repository.asset_graph.asset_check_keys, key=str):
        name = check_key.to_user_string()
        executions = [e for e in storage.get_asset_check_execution_history(check_key, limit=CHECK_EVENTS_PER_TICK)
                      if e.id > seen.get(name, 0)]
        for execution in reversed(executions):  # oldest first
            evaluation = execution.event.asset_check_evaluation if execution.event else None
            evaluated += 1
            if isinstance(evaluation, AssetCheckEvaluation) and not evaluation.passed:
                raised += raise_alert(_check_alert(evaluation, execution.run_id), region=pool.region,
                                      catalogue=pool.catalogue).recorded
        if executions:
            seen[name] = max(e.id for e in executions)
    context.update_cursor(json.dumps(seen, sort_keys=True))
    return SkipReason(f"{raised} alerts raised from {evaluated} check evaluations")


def _check_alert(evaluation: AssetCheckEvaluation, run_id: str) -> Alert:
    cause = evaluation.description or _metadata_text(evaluation) or f"check {evaluation.check_name} failed"
    severity: Severity = "ERROR" if evaluation.severity == AssetCheckSeverity.ERROR else "WARN"
    return Alert("check_failure", severity, cause, operator_id=evaluation.partition,
                 asset=evaluation.asset_key.to_user_string(), check=evaluation.check_name, run_id=run_id)


def _metadata_text(evaluation: AssetCheckEvaluation) -> str:
    """A failed check's metadata in one line (the pool's checks name the failing feeds there)."""
    parts = []
    for key, value in evaluation.metadata.items():
        text = str(getattr(value, "value", value))
        if text and text not in ("[]", "{}", "None"):
            parts.append(f"{key}: {text}")
    return "; ".join(parts)[:500]
