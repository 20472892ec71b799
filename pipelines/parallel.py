"""The pool's refresh in one run: every operator's collect → validate → accept → normalise, the
operators spread over parallel steps run by Dagster's multiprocess executor.

Why this shape: a partitioned asset job runs one operator per run, and each run is a fresh
process that pays Régie's imports (Dagster, pandas, pyarrow, Great Expectations: seconds). Here one
run maps a step over the operators (dynamic outputs), and the executor starts each step from a
`forkserver` that preloaded those modules once, so a step starts in a fraction of a second. A
step still costs Dagster about half a second of set-up and bookkeeping, more than a small
operator's whole refresh, so a region of many operators is cut into batches, about four steps per
core (`operators_per_step`), which the executor hands out as cores free up. Each operator records
exactly what the partitioned assets record (materialisations and check results of its partition,
through the same functions), so the UI, the automation and the region assets see no difference.
One operator's failure fails its own batch's step, after the batch's other operators are done;
the failure names each failed operator and why (metadata `failed_operators`).
"""
# No `from __future__ import annotations` here: Dagster reads the op config class from its annotation.

import os
import re
import resource
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetCheckResult,
    AssetKey,
    AssetMaterialization,
    Config,
    DynamicOut,
    DynamicOutput,
    Failure,
    MaterializeResult,
    MetadataValue,
    OpExecutionContext,
    Out,
    Output,
    ResourceParam,
    job,
    multiprocess_executor,
    op,
)
from dagster._core.execution.plan.objects import StepFailureData

from assets.automation import FEED_FETCH_POOL
from assets.collect import collect_operator
from assets.integrate import normalise_operator
from assets.validate import accept_operator, validate_operator
from regie.collect.fetch import FeedClientFactory
from regie.pool import Pool

# Imported once by the forkserver; every step process is a fork of it (see the module docstring).
PRELOADED_MODULES = ["pipelines.definitions", "pandas", "pyarrow", "pyarrow.csv", "quality.validate",
                     "regie.integrate.run", "regie.collect.collector",
                     # imported on first use by the expectations (quality/expectations/gx_context.py): ~4 s
                     "great_expectations",
                     # what a step process of Dagster imports before the op runs (its executor, the
                     # instance and its storage): 0.5-1 s per step when not preloaded (bench/scale.py)
                     "dagster._core.executor.child_process_executor", "dagster._core.executor.multiprocess",
                     "dagster._utils.test", "dagster._core.instance.factory", "dagster._core.storage.sqlite_storage",
                     "dagster._core.storage.event_log", "dagster._core.storage.runs", "dagster._core.storage.schedules",
                     "dagster._core.storage.local_compute_log_manager", "dagster._core.remote_representation",
                     "dagster._core.workspace", "dagster._core.execution.backfill", "dagster._core.execution.asset_backfill",
                     "dagster._daemon", "dagster._grpc", "dagster_postgres", "alembic", "upath", "rich", "pygments",
                     "tqdm", "structlog", "mako", "watchdog.observers",
                     "pipelines.forkserver_ready"]  # last: freezes what the others loaded

OperatorStep = Callable[[Pool, FeedClientFactory, str, OpExecutionContext], MaterializeResult]
OPERATOR_STEPS: list[tuple[str, OperatorStep]] = [
    ("collected_feeds", lambda pool, client, operator_id, context: collect_operator(pool, client, operator_id, context.log)),
    ("feed_validation", lambda pool, client, operator_id, context: validate_operator(pool, operator_id)),
    ("accepted_feed", lambda pool, client, operator_id, context: accept_operator(pool, operator_id)),
    ("normalised_feed", lambda pool, client, operator_id, context: normalise_operator(pool, operator_id, context.log)),
]
BLOCKING_CHECKS = {("collected_feeds", "archived_versions_are_intact")}  # as declared on the assets


FAILED_OPERATORS = "failed_operators"  # a failed batch's metadata: operator id -> its cause
STEPS_PER_CORE = 4  # batches per core: enough to even out operators of different sizes


class RefreshConfig(Config):
    operator_ids: list[str] = []  # empty: every operator of the registry
    operators_per_step: int = 0  # 0: about STEPS_PER_CORE steps per core (one operator per step in a small region)


def mapping_key(operator_id: str) -> str:
    """A dynamic output's key (letters, digits and _ only), unique per operator id."""
    return re.sub(r"[^A-Za-z0-9_]", lambda match: f"_{ord(match.group()):x}_", operator_id)


def batch_key(operator_ids: list[str]) -> str:
    """A batch's key, readable in the UI: its first operator, and how many more it holds."""
    first = mapping_key(operator_ids[0])
    return first if len(operator_ids) == 1 else f"{first}_and_{len(operator_ids) - 1}_more"


def batches(operator_ids: list[str], per_step: int = 0, cores: int | None = None) -> list[list[str]]:
    """The operators dealt round-robin into batches of about `per_step` (0: STEPS_PER_CORE batches
    per core), so that the registry's large operators, often listed together, land apart."""
    if not operator_ids:
        return []
    count = -(-len(operator_ids) // per_step) if per_step > 0 else STEPS_PER_CORE * (cores or os.cpu_count() or 1)
    count = min(count, len(operator_ids))
    return [operator_ids[start::count] for start in range(count)]


@op(out=DynamicOut(list[str]))
def operators_to_refresh(context: OpExecutionContext, config: RefreshConfig,
                         pool: ResourceParam[Pool]) -> Iterator[DynamicOutput[list[str]]]:
    """The registry's operators (or the ones asked for; unknown ids fail here), in batches."""
    wanted = config.operator_ids or pool.registry.ids
    for operator_id in wanted:
        pool.operator(operator_id)  # raises, naming the known operators
    known = set(context.instance.get_dynamic_partitions("operators"))
    missing = [operator_id for operator_id in wanted if operator_id not in known]
    if missing:
        context.instance.add_dynamic_partitions("operators", missing)
    for batch in batches(list(wanted), config.operators_per_step):
        yield DynamicOutput(batch, mapping_key=batch_key(batch), metadata={"operators": MetadataValue.json(batch)})


@op(pool=FEED_FETCH_POOL, out=Out(list[str]))
def refresh_operators(context: OpExecutionContext, operator_ids: list[str], pool: ResourceParam[Pool],
                      feed_client: ResourceParam[FeedClientFactory]) -> Iterator[Any]:
    """Each operator's partition of collected_feeds, feed_validation, accepted_feed and
    normalised_feed, in order, recorded as their materialisations and check results as each
    is done; then the operators refreshed. One that fails does not stop the others: the step
    fails at the end, naming each failed operator (what the others recorded is kept)."""
    started_after_s = process_age_s()  # the step process's start-up, imports and Dagster's step setup included
    failed: dict[str, str] = {}
    for operator_id in operator_ids:
        try:
            yield from refresh_one(context, pool, feed_client, operator_id)
        except Exception as error:  # one operator's failure, reported with the batch's
            failed[operator_id] = _cause(error)
            context.log.error(f"{operator_id}: {failed[operator_id]}\n{traceback.format_exc()}")
    if failed:
        raise Failure(description="\n".join(f"{operator_id}: {cause}" for operator_id, cause in failed.items()),
                      metadata={FAILED_OPERATORS: MetadataValue.json(failed)})
    usage = resource.getrusage(resource.RUSAGE_SELF)
    yield Output(operator_ids, metadata={
        "process_start_to_work_s": round(started_after_s, 3), "operators": len(operator_ids),
        "process_cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "process_wall_s": round(process_age_s(), 2),
        "process_peak_rss_mib": round(usage.ru_maxrss / 1024, 1)})


def refresh_one(context: OpExecutionContext, pool: Pool, feed_client: FeedClientFactory,
                operator_id: str) -> Iterator[AssetMaterialization | AssetCheckEvaluation]:
    """One operator's four assets, in order, as their events; a failed blocking check stops it there."""
    for asset_name, step in OPERATOR_STEPS:
        result = step(pool, feed_client, operator_id, context)
        key = AssetKey(asset_name)
        yield AssetMaterialization(key, partition=operator_id, metadata=dict(result.metadata or {}))
        for check in result.check_results or []:
            yield _evaluation(key, operator_id, check)
            if not check.passed and (asset_name, check.check_name) in BLOCKING_CHECKS:
                raise Failure(description=f"{asset_name}: blocking check {check.check_name} failed")


def failed_operators(failure: StepFailureData) -> dict[str, str] | None:
    """The operators a failed `refresh_operators` step names, with their causes (None: the step
    failed as a whole, or it is another step)."""
    user = failure.user_failure_data
    named = user.metadata.get(FAILED_OPERATORS) if user is not None else None
    return {str(key): str(value) for key, value in named.value.items()} \
        if named is not None and isinstance(named.value, dict) else None


def _cause(error: Exception) -> str:
    """The error's own first line (a Failure's description)."""
    text = (error.description if isinstance(error, Failure) else None) or str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def process_age_s() -> float:
    """Seconds since this process started (Linux: its start time in /proc/self/stat, clock ticks since boot)."""
    fields = Path("/proc/self/stat").read_text().rpartition(")")[2].split()
    started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime
    return time.clock_gettime(time.CLOCK_BOOTTIME) - started


def _evaluation(key: AssetKey, operator_id: str, check: AssetCheckResult) -> AssetCheckEvaluation:
    assert check.check_name is not None
    return AssetCheckEvaluation(asset_key=key, check_name=check.check_name, passed=check.passed,
                                metadata=dict(check.metadata or {}), severity=check.severity,
                                description=check.description, partition=operator_id)


@job(
    name="refresh_pool",
    executor_def=multiprocess_executor.configured(
        {"start_method": {"forkserver": {"preload_modules": PRELOADED_MODULES}}}),
    description="Every operator (or the ones configured) collected, validated, accepted and normalised in one "
                "run, in parallel steps of a few operators each; the region's outputs follow (automation) or run after.",
)
def refresh_pool_job() -> None:
    operators_to_refresh().map(refresh_operators)
