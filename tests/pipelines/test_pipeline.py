"""The Dagster assets, checks, sensor, schedule and runner, with fixture resources."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import SensorResult, SkipReason, build_schedule_context, build_sensor_context, instance_for_test

from assets.partitions import OPERATORS_PARTITION
from pipelines.definitions import build_definitions
from pipelines.resources import LocalFeedClientResource, PoolResource
from pipelines.runner import run_pool
from pipelines.schedules import daily_refresh
from pipelines.sensors import registry_operators
from regie.store.catalogue import Catalogue

REGION = """\
name: Test region
timezone: Europe/Paris
bbox: {min_lon: -2.2, min_lat: 43.1, max_lon: -1.3, max_lat: 43.6}
languages: [fr]
as_of: 2026-03-01
collection: {retries: 0, backoff_s: 0}
"""

OPERATOR = """\
  - id: {id}
    name: {id}
    modes: [bus]
    contact: data@{id}.example
    licence: CC-BY-4.0
    openness: open
    member_from: 2024-01-01
    feeds:
      - id: gtfs
        kind: gtfs
        url: http://feeds.example/{file}
"""


@pytest.fixture
def setup(tmp_path: Path):
    configs, served, data = tmp_path / "configs", tmp_path / "served", tmp_path / "data"
    configs.mkdir()
    served.mkdir()
    (configs / "region.yaml").write_text(REGION)
    (configs / "operators.yaml").write_text(
        "operators:\n" + OPERATOR.format(id="good", file="good.zip") + OPERATOR.format(id="gone", file="gone.zip")
    )
    with zipfile.ZipFile(served / "good.zip", "w") as archive:
        archive.writestr("agency.txt", "agency_id,agency_name\na,A\n")
    pool = PoolResource(config_dir=str(configs), data_dir=str(data))
    defs = build_definitions({"pool": pool, "feed_client": LocalFeedClientResource(root=str(served))})
    with instance_for_test() as instance:
        yield {"defs": defs, "pool": pool, "instance": instance, "data": data, "configs": configs}


def test_runner_collects_each_operator_and_reports_the_failed_one(setup):
    result = run_pool(defs=setup["defs"], instance=setup["instance"])
    assert [(r.operator_id, r.success) for r in result.operators] == [("good", True), ("gone", False)]
    message = result.failed[0].message
    assert "operator 'gone'" in message and "feed 'gtfs'" in message
    assert "http://feeds.example/gone.zip" in message and "file not found" in message

    catalogue = Catalogue.open(setup["pool"].paths().database_url)
    assert len(catalogue.versions("good")) == 1 and catalogue.versions("gone") == []
    assert [f.outcome.value for f in catalogue.fetches("gone")] == ["failed"]
    catalogue.dispose()
    assert set(setup["instance"].get_dynamic_partitions(OPERATORS_PARTITION)) == {"good", "gone"}


def test_the_integrity_check_fails_when_the_archive_was_altered(setup):
    setup["instance"].add_dynamic_partitions(OPERATORS_PARTITION, ["good"])
    collect = setup["defs"].resolve_job_def("collect_feeds")
    first = collect.execute_in_process(instance=setup["instance"], partition_key="good")
    assert [e.passed for e in first.get_asset_check_evaluations()] == [True]
    materialization = first.asset_materializations_for_node("collected_feeds")[0]
    assert materialization.metadata["new_versions"].value == 1
    assert materialization.metadata["dagster/row_count"].value == 1

    archived = next((setup["data"] / "archive" / "good" / "gtfs").glob("*.zip"))
    archived.chmod(0o644)
    archived.write_bytes(b"tampered")
    result = collect.execute_in_process(instance=setup["instance"], partition_key="good", raise_on_error=False)
    evaluations = result.get_asset_check_evaluations()
    assert [e.passed for e in evaluations] == [False]
    assert "no longer matches" in str(evaluations[0].metadata["problems"].value)


def test_check_results_are_kept_per_operator(setup):
    """A second operator's run does not overwrite the first one's check result in the UI's view."""
    import shutil

    from dagster import AssetCheckKey, AssetKey
    from dagster._core.event_api import PartitionKeyFilter

    served = setup["data"].parent / "served"
    shutil.copy(served / "good.zip", served / "gone.zip")
    instance = setup["instance"]
    instance.add_dynamic_partitions(OPERATORS_PARTITION, ["good", "gone"])
    collect = setup["defs"].resolve_job_def("collect_feeds")
    collect.execute_in_process(instance=instance, partition_key="good")
    archived = next((setup["data"] / "archive" / "good" / "gtfs").glob("*.zip"))
    archived.chmod(0o644)
    archived.write_bytes(b"tampered")
    collect.execute_in_process(instance=instance, partition_key="good", raise_on_error=False)
    collect.execute_in_process(instance=instance, partition_key="gone")  # runs last, and passes

    key = AssetCheckKey(AssetKey("collected_feeds"), "archived_versions_are_intact")
    storage = instance.event_log_storage
    latest = {operator: storage.get_latest_asset_check_execution_by_key([key], PartitionKeyFilter(key=operator))[key]
              for operator in ("good", "gone")}
    assert latest["good"].partition == "good" and latest["good"].status.value == "FAILED"
    assert latest["gone"].partition == "gone" and latest["gone"].status.value == "SUCCEEDED"


def test_region_check_names_every_operator_that_needs_action(setup, feeds_dir):
    """quality_overview's check lists each operator whose feed has no version in force or has expired."""
    import shutil

    served = setup["data"].parent / "served"
    shutil.copy(feeds_dir / "regional_bayarea" / "caltrain_2017-10-02.zip", served / "good.zip")
    result = run_pool(defs=setup["defs"], instance=setup["instance"])
    assert not result.success  # 'gone' cannot be fetched
    region = setup["defs"].resolve_job_def("region_outputs").execute_in_process(
        instance=setup["instance"], raise_on_error=False)
    check = next(e for e in region.get_asset_check_evaluations() if e.check_name == "no_operator_needs_action")
    assert not check.passed
    needing = check.metadata["operators"].value
    assert set(needing) == {"good", "gone"}
    assert "no version in force" in " ".join(needing["gone"])


def test_sensor_adds_a_partition_for_each_new_operator(setup):
    instance, pool = setup["instance"], setup["pool"]
    with build_sensor_context(instance=instance, resources={"pool": pool}) as context:  # the pool is a context
        result = registry_operators(context)
    assert isinstance(result, SensorResult)
    assert [r.partition_key for r in result.run_requests] == ["good", "gone"]
    assert result.dynamic_partitions_requests[0].partition_keys == ["good", "gone"]

    instance.add_dynamic_partitions(OPERATORS_PARTITION, ["good", "gone"])
    with build_sensor_context(instance=instance, resources={"pool": pool}) as context:
        assert isinstance(registry_operators(context), SkipReason)

    (setup["configs"] / "operators.yaml").write_text("operators: [")
    with build_sensor_context(instance=instance, resources={"pool": pool}) as context:
        skipped = registry_operators(context)
    assert isinstance(skipped, SkipReason) and "operators.yaml" in skipped.skip_message


def test_daily_schedule_requests_one_refresh_of_every_operator(setup):
    context = build_schedule_context(instance=setup["instance"], scheduled_execution_time=datetime(2026, 3, 2, 4, tzinfo=UTC))
    request = daily_refresh(context)
    assert request.run_key == "2026-03-02"
    assert request.run_config == {"ops": {"operators_to_refresh": {"config": {"operator_ids": []}}}}  # the registry's


def test_a_new_operators_first_run_is_tagged_with_its_feed_host(setup):
    """The production instance runs at most N runs per feed host at once (dagster.production.yaml)."""
    with build_sensor_context(instance=setup["instance"], resources={"pool": setup["pool"]}) as context:
        result = registry_operators(context)
    assert {request.tags["regie/feed_host"] for request in result.run_requests} == {"feeds.example"}


def test_validation_assets_gate_the_operator_and_carry_expectations(setup, feeds_dir):
    """feed_validation and accepted_feed on a real feed, with GX results in the check metadata."""
    import shutil

    shutil.copy(feeds_dir / "regional_bayarea" / "caltrain_2017-10-02.zip", setup["data"].parent / "served" / "good.zip")
    setup["instance"].add_dynamic_partitions(OPERATORS_PARTITION, ["good"])
    job = setup["defs"].resolve_job_def("operator_feeds")
    result = job.execute_in_process(instance=setup["instance"], partition_key="good", raise_on_error=False)
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["archived_versions_are_intact"].passed
    suites = evaluations["regional_expectations_met"].metadata["suites"].value
    assert suites["gtfs"]["stops"]["evaluated"] > 0
    # Caltrain's 2017 service ended long before the region's date of 2026-03-01, 9,000 km from its
    # bounding box: the newest version is blocked (feed_expired, most_stops_outside_region) and an
    # expired version is never in force
    assert not evaluations["newest_version_passes_gate"].passed
    assert not evaluations["has_accepted_version"].passed
    assert (setup["data"] / "reports" / "good" / "gtfs").is_dir()


def test_downstream_assets_follow_a_collection(setup):
    """After `regie collect` (collection only), the automation sensor brings the operator's gate and
    normalisation, then the region's outputs, up to date: nothing waits for a schedule."""
    from dagster import AssetKey, evaluate_automation_conditions

    instance, defs = setup["instance"], setup["defs"]
    instance.add_dynamic_partitions(OPERATORS_PARTITION, ["good", "gone"])
    first = evaluate_automation_conditions(defs=defs, instance=instance)  # the cursor starts here
    defs.resolve_job_def("collect_feeds").execute_in_process(instance=instance, partition_key="good")

    tick = evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    requested = {(result.key.to_user_string(), partition) for result in tick.results
                 if result.true_subset.size and result.true_subset.is_partitioned
                 for partition in result.true_subset.expensively_compute_partition_keys()}
    assert ("feed_validation", "good") in requested
    assert ("feed_validation", "gone") not in requested  # nothing new for that operator

    defs.resolve_job_def("operator_feeds").execute_in_process(instance=instance, partition_key="good")
    later = evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    region = {r.key for r in later.results if r.true_subset.size}
    assert {AssetKey("quality_overview"), AssetKey("stop_hubs"), AssetKey("integration_fees")} <= region
