"""The pool's refresh in one run: one parallel step per operator (multiprocess executor, forkserver
with preloaded modules), recording the same partitions' materialisations and check results as the
partitioned assets; one operator's failure stays its own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dagster import AssetKey, DagsterEventType, execute_job, instance_for_test
from dagster._core.definitions.reconstruct import ReconstructableRepository

from regie.demo import generate_demo_region
from regie.demo.server import FeedServer
from regie.store.paths import PROJECT_ROOT

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


def test_operators_refresh_in_parallel_steps_of_one_run(tmp_path: Path):
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
        run_config = {"resources": {"pool": {"config": {"config_dir": str(configs), "data_dir": str(data)}}}}
        with instance_for_test() as instance, execute_job(job, instance=instance, run_config=run_config,
                                                          raise_on_error=False) as result:
            assert not result.success  # 'gone' cannot be fetched
            failed = {event.step_key for event in result.all_events if event.event_type == DagsterEventType.STEP_FAILURE}
            assert failed == {"refresh_operator[gone]"}
            succeeded = {event.step_key for event in result.all_events if event.event_type == DagsterEventType.STEP_SUCCESS}
            assert {"refresh_operator[hiribus]", "refresh_operator[txingudi_2d_ferry]"} <= succeeded

            # each step ran in its own process, forked from the forkserver
            pids = {event.pid for event in result.all_events
                    if event.event_type == DagsterEventType.STEP_START and event.step_key.startswith("refresh_operator")}
            assert len(pids) == 3

            for asset in ("collected_feeds", "feed_validation", "accepted_feed", "normalised_feed"):
                partitions = instance.get_materialized_partitions(AssetKey(asset))
                assert partitions == {"hiribus", "txingudi-ferry"}, asset
            checks = [event.event_specific_data for event in result.all_events
                      if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION]
            by_partition = {(c.check_name, c.partition): c.passed for c in checks}
            assert by_partition[("has_accepted_version", "hiribus")] is True
            assert by_partition[("operator_integrated", "txingudi-ferry")] is True
    assert (data / "integration" / "normalised" / "hiribus" / "feed.zip").is_file()
