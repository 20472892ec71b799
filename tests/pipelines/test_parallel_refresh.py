"""The pool's refresh in one run: one parallel step per operator (multiprocess executor, forkserver
with preloaded modules), recording the same partitions' materialisations and check results as the
partitioned assets; one operator's failure stays its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml
from dagster import (
    AssetCheckKey,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    RunsFilter,
    execute_job,
    instance_for_test,
)
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.event_api import PartitionKeyFilter

from regie.demo import generate_demo_region
from regie.demo.server import FeedServer
from regie.store.paths import PROJECT_ROOT
from tests.conftest import _postgres_database

START = date(2026, 3, 2)
REGION = """\
name: Demo
timezone: Europe/Paris
bbox: {min_lon: -2.2, min_lat: 43.15, max_lon: -1.3, max_lat: 43.6}
languages: [en]
as_of: 2026-03-02
collection: {retries: 0, backoff_s: 0, allow_loopback: true}
"""
OPERATOR = """\
  - id: {id}
    name: {id}
    modes: [{mode}]
    contact: data@{id}.example
    licence: CC-BY-4.0
    openness: open
    member_from: 2024-01-01
    feeds:
      - id: gtfs
        kind: gtfs
        url: {url}
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def instance_and_catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[DagsterInstance, str | None]]:
    """The local instance (SQLite) and catalogue, or the production profile: Dagster's run, event and
    schedule storage and the pool's catalogue on a real PostgreSQL server."""
    if request.param == "sqlite":
        with instance_for_test() as instance:
            yield instance, None
        return
    for dagster_url in _postgres_database():
        for catalogue_url in _postgres_database():
            home = tmp_path / "dagster_home"
            home.mkdir()
            # The profile as deployed, with the URL written in: the step processes are forks of a
            # forkserver that outlives this test, so they would not see an environment variable set here.
            profile = yaml.safe_load((PROJECT_ROOT / "deploy/dagster/dagster.production.yaml").read_text())
            profile["storage"]["postgres"]["postgres_url"] = dagster_url.replace("+psycopg://", "+psycopg2://")
            (home / "dagster.yaml").write_text(yaml.safe_dump(profile))
            instance = DagsterInstance.from_config(str(home))
            try:
                yield instance, catalogue_url
            finally:
                instance.dispose()


def test_operators_refresh_in_parallel_steps_of_one_run(tmp_path: Path, instance_and_catalogue):
    instance, catalogue_url = instance_and_catalogue
    feeds = tmp_path / "feeds"
    generate_demo_region(feeds, start=START, mugabus_defects=False)
    configs, data = tmp_path / "configs", tmp_path / "data"
    configs.mkdir()
    (configs / "region.yaml").write_text(REGION)
    with FeedServer(feeds) as server:
        operators = [("hiribus", "bus", server.url("hiribus.zip")), ("txingudi-ferry", "ferry", server.url("txingudi-ferry.zip")),
                     ("gone", "bus", server.url("gone.zip"))]
        (configs / "operators.yaml").write_text(
            "operators:\n" + "".join(OPERATOR.format(id=i, mode=m, url=u) for i, m, u in operators))
        job = ReconstructableRepository.for_module("pipelines.definitions", "defs", working_directory=str(PROJECT_ROOT)) \
            .get_reconstructable_job("refresh_pool")
        pool_config = {"config_dir": str(configs), "data_dir": str(data),
                       **({"database_url": catalogue_url} if catalogue_url else {})}
        # two operators per step: hiribus and gone in one batch, txingudi-ferry in the other
        run_config = {"resources": {"pool": {"config": pool_config}},
                      "ops": {"operators_to_refresh": {"config": {"operators_per_step": 2}}}}
        with execute_job(job, instance=instance, run_config=run_config, raise_on_error=False) as result:
            assert not result.success  # 'gone' cannot be fetched
            failures = {event.step_key: event.step_failure_data for event in result.all_events
                        if event.event_type == DagsterEventType.STEP_FAILURE}
            assert set(failures) == {"refresh_operators[hiribus_and_1_more]"}
            failure = failures["refresh_operators[hiribus_and_1_more]"].user_failure_data
            assert list(failure.metadata["failed_operators"].value) == ["gone"]  # hiribus, in the same batch, did not fail
            assert failure.description.startswith("gone: ")
            succeeded = {event.step_key for event in result.all_events if event.event_type == DagsterEventType.STEP_SUCCESS}
            assert "refresh_operators[txingudi_2d_ferry]" in succeeded

            # each step ran in its own process, forked from the forkserver
            pids = {event.pid for event in result.all_events
                    if event.event_type == DagsterEventType.STEP_START and event.step_key.startswith("refresh_operators")}
            assert len(pids) == 2

            for asset in ("collected_feeds", "feed_validation", "accepted_feed", "normalised_feed"):
                partitions = instance.get_materialized_partitions(AssetKey(asset))
                assert partitions == {"hiribus", "txingudi-ferry"}, asset
            checks = [event.event_specific_data for event in result.all_events
                      if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION]
            by_partition = {(c.check_name, c.partition): c.passed for c in checks}
            assert by_partition[("has_accepted_version", "hiribus")] is True
            assert by_partition[("operator_integrated", "txingudi-ferry")] is True

        # read back through the instance's API, as the UI does
        [run] = instance.get_runs(RunsFilter(job_name="refresh_pool"))
        assert run.status == DagsterRunStatus.FAILURE
        check = AssetCheckKey(AssetKey("accepted_feed"), "has_accepted_version")
        latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [check], PartitionKeyFilter(key="hiribus"))[check]
        assert latest.run_id == run.run_id and latest.status.value == "SUCCEEDED"
    assert (data / "integration" / "normalised" / "hiribus" / "feed.zip").is_file()


def test_regie_run_parallel_reports_each_operator(tmp_path: Path):
    """`regie run --parallel` in its own process (as a person runs it): one line per operator, the
    failed one with its own cause, then the region's outputs built from the others."""
    import subprocess
    import sys

    feeds = tmp_path / "feeds"
    generate_demo_region(feeds, start=START, mugabus_defects=False)
    configs, data = tmp_path / "configs", tmp_path / "data"
    configs.mkdir()
    (configs / "region.yaml").write_text(REGION + "integration: {publisher: {url: https://data.example.org}}\n")
    (configs / "tiers.yaml").write_text((PROJECT_ROOT / "configs" / "tiers.yaml").read_text())
    with FeedServer(feeds) as server:
        operators = [("hiribus", "bus", server.url("hiribus.zip")), ("gone", "bus", server.url("gone.zip"))]
        (configs / "operators.yaml").write_text(
            "operators:\n" + "".join(OPERATOR.format(id=i, mode=m, url=u) for i, m, u in operators))
        regie = Path(sys.executable).with_name("regie")
        done = subprocess.run([str(regie), "--config-dir", str(configs), "--data-dir", str(data), "run", "--parallel"],
                              capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ran     hiribus" in done.stdout
    assert "FAILED  gone:" in done.stdout and "gone.zip" in done.stdout and "Traceback" not in done.stdout
    assert (data / "integration" / "internal" / "regional.zip").is_file(), done.stdout


def test_operators_are_dealt_into_batches():
    from pipelines.parallel import batch_key, batches

    ids = [f"op{n}" for n in range(10)]
    dealt = batches(ids, cores=2)  # 4 steps per core: 8 batches
    assert len(dealt) == 8 and sorted(sum(dealt, [])) == sorted(ids)
    assert dealt[0] == ["op0", "op8"] and dealt[7] == ["op7"]  # round-robin: neighbours land apart
    assert batches(ids, per_step=5) == [["op0", "op2", "op4", "op6", "op8"], ["op1", "op3", "op5", "op7", "op9"]]
    assert batches(ids[:3], cores=2) == [["op0"], ["op1"], ["op2"]]  # a small region: one operator per step
    assert batches([], cores=2) == []
    assert batch_key(["a-b", "c"]) == "a_2d_b_and_1_more" and batch_key(["a-b"]) == "a_2d_b"
