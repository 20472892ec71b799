"""The pool's refresh in one run: every operator's collect → validate → accept → normalise as one
step per operator, run in parallel by Dagster's multiprocess executor.

Why this shape: a partitioned asset job runs one operator per run, and each run is a fresh
process that pays Régie's imports (Dagster, pandas, pyarrow, Great Expectations: seconds). Here one
run maps a step over the operators (dynamic outputs), and the executor starts each step from a
`forkserver` that preloaded those modules once, so a step starts in a fraction of a second. Each
step records exactly what the partitioned assets record (materialisations and check results of
the operator's partition, through the same functions), so the UI, the automation and the region
assets see no difference. One operator's failure fails its own step only.
"""
# No `from __future__ import annotations` here: Dagster reads the op config class from its annotation.

import os
import re
import resource
import time
from collections.abc import Callable, Iterator
from pathlib import Path

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
    OpExecutionContext,
    ResourceParam,
    job,
    multiprocess_executor,
    op,
)

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
                     "tqdm", "structlog", "mako", "watchdog.observers"]

OperatorStep = Callable[[Pool, FeedClientFactory, str, OpExecutionContext], MaterializeResult]
OPERATOR_STEPS: list[tuple[str, OperatorStep]] = [
    ("collected_feeds", lambda pool, client, operator_id, context: collect_operator(pool, client, operator_id, context.log)),
    ("feed_validation", lambda pool, client, operator_id, context: validate_operator(pool, operator_id)),
    ("accepted_feed", lambda pool, client, operator_id, context: accept_operator(pool, operator_id)),
    ("normalised_feed", lambda pool, client, operator_id, context: normalise_operator(pool, operator_id, context.log)),
]
BLOCKING_CHECKS = {("collected_feeds", "archived_versions_are_intact")}  # as declared on the assets


class RefreshConfig(Config):
    operator_ids: list[str] = []  # empty: every operator of the registry


def mapping_key(operator_id: str) -> str:
    """A dynamic output's key (letters, digits and _ only), unique per operator id."""
    return re.sub(r"[^A-Za-z0-9_]", lambda match: f"_{ord(match.group()):x}_", operator_id)


@op(out=DynamicOut(str))
def operators_to_refresh(context: OpExecutionContext, config: RefreshConfig,
                         pool: ResourceParam[Pool]) -> Iterator[DynamicOutput[str]]:
    """One output per operator: the registry's, or the ones asked for (unknown ids fail here)."""
    wanted = config.operator_ids or pool.registry.ids
    for operator_id in wanted:
        pool.operator(operator_id)  # raises, naming the known operators
    known = set(context.instance.get_dynamic_partitions("operators"))
    missing = [operator_id for operator_id in wanted if operator_id not in known]
    if missing:
        context.instance.add_dynamic_partitions("operators", missing)
    for operator_id in wanted:
        yield DynamicOutput(operator_id, mapping_key=mapping_key(operator_id))


@op(pool=FEED_FETCH_POOL)
def refresh_operator(context: OpExecutionContext, operator_id: str, pool: ResourceParam[Pool],
                     feed_client: ResourceParam[FeedClientFactory]) -> str:
    """The operator's partition of collected_feeds, feed_validation, accepted_feed and
    normalised_feed, in order, recorded as their materialisations and check results."""
    started_after_s = process_age_s()  # the step process's start-up, imports and Dagster's step setup included
    for asset_name, step in OPERATOR_STEPS:
        result = step(pool, feed_client, operator_id, context)
        key = AssetKey(asset_name)
        context.log_event(AssetMaterialization(key, partition=operator_id, metadata=dict(result.metadata or {})))
        for check in result.check_results or []:
            context.log_event(_evaluation(key, operator_id, check))  # type: ignore[arg-type]  # accepted, typed narrower
            if not check.passed and (asset_name, check.check_name) in BLOCKING_CHECKS:
                raise Failure(description=f"{operator_id}: {asset_name}: blocking check {check.check_name} failed")
    context.add_output_metadata({"process_start_to_work_s": round(started_after_s, 3),
                                 "process_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})
    return operator_id


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
    description="Every operator (or the ones configured) collected, validated, accepted and normalised, one "
                "parallel step per operator in one run; the region's outputs follow (automation) or run after.",
)
def refresh_pool_job() -> None:
    operators_to_refresh().map(refresh_operator)
