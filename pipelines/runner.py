"""Materialise the pool from the command line: the registry, then each operator's partition.

Runs go through a persistent Dagster instance (DAGSTER_HOME, by default `<data dir>/dagster`),
so that what the CLI did shows in the Dagster UI too. One operator's failure never stops the others.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import (
    DagsterEvent,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    ExecuteInProcessResult,
    MetadataValue,
    execute_job,
)
from dagster._core.definitions.reconstruct import ReconstructableRepository

from assets.partitions import OPERATORS_PARTITION
from pipelines.definitions import build_definitions
from pipelines.jobs import collect_job, operator_job, region_job, registry_job
from pipelines.parallel import failed_operators, refresh_pool_job
from pipelines.resources import PoolResource
from regie.config import load_registry
from regie.store.paths import PROJECT_ROOT
from regie.store.setup_lock import setup_lock

if TYPE_CHECKING:
    from dagster._utils.error import SerializableErrorInfo  # the step failure's error (not re-exported by dagster)

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
SILENT = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
"""Run configs: QUIET prints Dagster's warnings and errors (with their tracebacks) on the console;
SILENT prints nothing (the causes come back in `OperatorRun.message`; the event log in the
instance keeps every traceback)."""


@dataclass
class OperatorRun:
    """One run's outcome: `message` is the user-facing cause of a failure (one line per failed
    step), `details` the full tracebacks (for --verbose)."""

    operator_id: str
    success: bool
    message: str = ""
    details: str = ""


@dataclass
class PoolRun:
    operators: list[OperatorRun] = field(default_factory=list)
    region: OperatorRun | None = None  # the region's outputs, when they were built

    @property
    def runs(self) -> list[OperatorRun]:
        return self.operators + ([self.region] if self.region else [])

    @property
    def success(self) -> bool:
        return all(run.success for run in self.runs)

    @property
    def failed(self) -> list[OperatorRun]:
        return [run for run in self.runs if not run.success]


def ensure_dagster_home(default: Path) -> Path:
    """Use DAGSTER_HOME, or `default` (created, with telemetry off, and exported for Dagster)."""
    home = Path(os.environ.get("DAGSTER_HOME") or default)
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists():
        settings.write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def dagster_instance(pool: PoolResource) -> DagsterInstance:
    """The persistent instance under DAGSTER_HOME (by default `<data dir>/dagster`)."""
    home = ensure_dagster_home(pool.paths().dagster_home)
    with setup_lock(home / ".setup.lock"):  # two first runs would both create the storage's tables
        return DagsterInstance.get()


def user_cause(error: SerializableErrorInfo) -> str:
    """The library's own message under Dagster's wrapping: the innermost cause of the error
    (a DagsterExecutionStepExecutionError wraps the ConfigError that names file, key and cause),
    without its class name."""
    while error.cause is not None:
        error = error.cause
    message = error.message.strip()
    prefix = f"{error.cls_name}: " if error.cls_name else ""
    return message[len(prefix):] if prefix and message.startswith(prefix) else message


def failure_message(result: ExecuteInProcessResult) -> str:
    """The user-facing reasons a run failed, one per failed step (a Failure's description, or the
    library's own message under Dagster's wrapping)."""
    messages = []
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        data = event.step_failure_data
        if data.user_failure_data is not None and data.user_failure_data.description:
            messages.append(data.user_failure_data.description)
        elif data.error is not None:
            messages.append(user_cause(data.error))
    return "; ".join(dict.fromkeys(messages)) or "run failed"


def failure_details(result: ExecuteInProcessResult) -> str:
    """Every failed step's full traceback, Dagster's wrapping included (for --verbose)."""
    return "\n".join(event.step_failure_data.error.to_string() for event in result.all_events
                     if event.is_step_failure and event.step_failure_data.error is not None)


def _outcome(operator_id: str, result: ExecuteInProcessResult) -> OperatorRun:
    if result.success:
        return OperatorRun(operator_id, True)
    return OperatorRun(operator_id, False, failure_message(result), failure_details(result))


def run_pool(
    *,
    operator_ids: Sequence[str] | None = None,
    defs: Definitions | None = None,
    instance: DagsterInstance | None = None,
    on_operator_done: Callable[[OperatorRun], None] | None = None,
    collect_only: bool = False,
    verbose: bool = False,
    parallel: bool = False,
) -> PoolRun:
    """Validate the registry, run each (or the given) operator's partition in its own run, then
    the region's outputs. `collect_only` stops after collection. Dagster's console log (with
    tracebacks) only when `verbose`; the causes are in each OperatorRun either way.

    `parallel`: the operators in one `refresh_pool` run instead, in parallel steps of a few
    operators each (the project's own definitions only; it needs a fresh process, since its step
    processes inherit the environment of the first run's forkserver)."""
    run_config = QUIET if verbose else SILENT
    defs = defs or build_definitions()
    pool: PoolResource = (defs.resources or {})["pool"]
    instance = instance or dagster_instance(pool)
    registry = load_registry(pool.paths().operators_file)  # fails early, before any run
    wanted = list(operator_ids) if operator_ids else registry.ids
    for operator_id in wanted:
        registry.operator(operator_id)  # raises KeyError naming the known operators

    known = set(instance.get_dynamic_partitions(OPERATORS_PARTITION))
    missing = [operator_id for operator_id in registry.ids if operator_id not in known]
    if missing:
        instance.add_dynamic_partitions(OPERATORS_PARTITION, missing)

    defs.resolve_job_def(registry_job.name).execute_in_process(instance=instance, run_config=run_config)
    outcome = PoolRun()
    if parallel and not collect_only:
        outcome.operators = refresh_in_parallel(wanted, instance, pool, verbose=verbose)
        for run in outcome.operators:
            if on_operator_done:
                on_operator_done(run)
        wanted = []
    per_operator = defs.resolve_job_def((collect_job if collect_only else operator_job).name)
    for operator_id in wanted:
        result = per_operator.execute_in_process(
            instance=instance, partition_key=operator_id, run_config=run_config, raise_on_error=False
        )
        run = _outcome(operator_id, result)
        outcome.operators.append(run)
        if on_operator_done:
            on_operator_done(run)
    if not collect_only:
        result = defs.resolve_job_def(region_job.name).execute_in_process(
            instance=instance, run_config=run_config, raise_on_error=False
        )
        outcome.region = _outcome("region", result)
        if on_operator_done:
            on_operator_done(outcome.region)
    return outcome


def refresh_in_parallel(operator_ids: Sequence[str], instance: DagsterInstance, pool: PoolResource, *,
                        verbose: bool = False) -> list[OperatorRun]:
    """The operators' collect → validate → accept → normalise in one `refresh_pool` run (multiprocess
    executor); each operator's outcome read from its step's events."""
    job = ReconstructableRepository.for_module("pipelines.definitions", "defs", working_directory=str(PROJECT_ROOT)) \
        .get_reconstructable_job(refresh_pool_job.name)
    run_config = {
        **(QUIET if verbose else SILENT),
        "ops": {"operators_to_refresh": {"config": {"operator_ids": list(operator_ids)}}},
        "resources": {"pool": {"config": {key: value for key, value in pool.model_dump().items() if value}}},
    }
    with execute_job(job, instance=instance, run_config=run_config, raise_on_error=False) as result:
        events = result.all_events
    failures = {event.step_key: event for event in events if event.is_step_failure}
    fan_out = failures.get("operators_to_refresh")
    causes: dict[str, tuple[str, str]] = {}  # operator id -> its cause and the error's text
    for step_key, event in failures.items():
        data = event.step_failure_data
        named = failed_operators(data)
        if named is not None:  # the batch ran: the operators that failed in it, with their causes
            causes.update({operator_id: (cause, "") for operator_id, cause in named.items()})
            continue
        message = (data.user_failure_data.description if data.user_failure_data is not None
                   and data.user_failure_data.description else user_cause(data.error) if data.error else "failed")
        for operator_id in _batch_operators(step_key or "", events):  # the step itself failed: all of its operators
            causes[operator_id] = (message, data.error.to_string() if data.error else "")
    if fan_out is not None:  # nothing ran
        error = fan_out.step_failure_data.error
        causes = {operator_id: (user_cause(error) if error else "failed", error.to_string() if error else "")
                  for operator_id in operator_ids}
    runs = []
    for operator_id in operator_ids:
        if operator_id not in causes:
            runs.append(OperatorRun(operator_id, True))
            continue
        message, details = causes[operator_id]
        runs.append(OperatorRun(operator_id, False, message, details))
    return runs


def _batch_operators(step_key: str, events: Sequence[DagsterEvent]) -> list[str]:
    """The operators handed to a refresh step (its input, from the fan-out's dynamic output)."""
    mapping = step_key.partition("[")[2].rstrip("]")
    for event in events:
        if event.event_type == DagsterEventType.STEP_OUTPUT and event.step_key == "operators_to_refresh" \
                and event.step_output_data.mapping_key == mapping:
            return list(_json(event.step_output_data.metadata.get("operators", MetadataValue.json([]))))
    return []


def _json(entry: MetadataValue) -> Any:
    """A JSON metadata entry's value."""
    return entry.value
