"""The Dagster definitions load, validate, and match this snapshot of the asset graph.

A change to the graph (a new asset, a renamed group, a changed dependency, a check dropped) must
update SNAPSHOT here, on purpose, in the same commit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from regie.store.paths import PROJECT_ROOT

SNAPSHOT = {
    "assets": {
        "operator_registry": {"group": "registry", "upstream": [], "partitioned": None, "checks": []},
        "collected_feeds": {"group": "collect", "upstream": ["operator_registry"], "partitioned": "operators",
                            "checks": ["archived_versions_are_intact"]},
        "feed_validation": {"group": "validate", "upstream": ["collected_feeds"], "partitioned": "operators",
                            "checks": ["newest_version_passes_gate", "regional_expectations_met"]},
        "accepted_feed": {"group": "validate", "upstream": ["feed_validation"], "partitioned": "operators",
                          "checks": ["accepted_feed_not_expired", "accepted_feed_not_expiring_soon", "has_accepted_version"]},
        "quality_overview": {"group": "validate", "upstream": ["accepted_feed"], "partitioned": None,
                             "checks": ["no_operator_needs_action"]},
        "integration_fees": {"group": "fees", "upstream": ["accepted_feed"], "partitioned": None,
                             "checks": ["every_operator_has_a_fee", "platform_budget_covered"]},
        "normalised_feed": {"group": "integrate", "upstream": ["accepted_feed"], "partitioned": "operators",
                            "checks": ["operator_integrated"]},
        "stop_hubs": {"group": "integrate", "upstream": ["normalised_feed"], "partitioned": None,
                      "checks": ["stop_matches_reviewed"]},
        "walking_transfers": {"group": "integrate", "upstream": ["stop_hubs"], "partitioned": None, "checks": []},
        "regional_feeds": {"group": "integrate", "upstream": ["stop_hubs", "walking_transfers"], "partitioned": None,
                           "checks": ["open_feed_has_only_open_operators"]},
        "open_feed_quality": {"group": "integrate", "upstream": ["regional_feeds"], "partitioned": None,
                              "checks": ["open_feed_passes_quality_gate"]},
        "internal_feed_quality": {"group": "integrate", "upstream": ["regional_feeds"], "partitioned": None,
                                  "checks": ["internal_feed_passes_quality_gate"]},
        "integration_reconciliation": {"group": "integrate", "upstream": ["regional_feeds"], "partitioned": None,
                                       "checks": ["every_row_accounted_for", "pool_checks_clean"]},
        "journey_graph": {"group": "journeys", "upstream": ["collected_feeds", "regional_feeds"], "partitioned": None,
                          "checks": ["graph_has_service_every_day", "no_hub_cut_off"]},
        "integration_benefit": {"group": "journeys", "upstream": ["journey_graph"], "partitioned": None, "checks": []},
        "open_journey_graph": {"group": "journeys", "upstream": ["collected_feeds", "regional_feeds"],
                               "partitioned": None, "checks": ["open_graph_has_service_every_day"]},
        "release_notes": {"group": "publish", "upstream": ["regional_feeds"], "partitioned": None, "checks": []},
        "release": {"group": "publish", "upstream": ["integration_fees", "open_feed_quality", "open_journey_graph",
                                                     "quality_overview", "regional_feeds", "release_notes"],
                    "partitioned": None, "checks": ["catalogue_conforms_to_shacl", "no_restricted_operator_in_release"]},
        "published_database": {"group": "publish", "upstream": ["release"], "partitioned": None, "checks": []},
    },
    "jobs": ["collect_feeds", "operator_feeds", "refresh_pool", "refresh_registry", "region_outputs"],
    "schedules": ["daily_refresh"],
    "sensors": ["alert_on_failed_checks", "alert_on_run_failure", "follow_upstream", "registry_operators"],
}


def _graph() -> dict:
    from pipelines.definitions import defs

    repository = defs.get_repository_def()
    graph = repository.asset_graph
    assets = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        partitions = node.partitions_def
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "upstream": sorted(parent.to_user_string() for parent in node.parent_keys),
            "partitioned": getattr(partitions, "name", None),
            "checks": sorted(check.name for check in node.check_keys),
        }
    return {
        "assets": assets,
        "jobs": sorted(job.name for job in repository.get_all_jobs() if not job.name.startswith("__")),
        "schedules": sorted(schedule.name for schedule in repository.schedule_defs),
        "sensors": sorted(sensor.name for sensor in repository.sensor_defs),
    }


def test_asset_graph_matches_the_snapshot():
    assert _graph() == SNAPSHOT


def test_every_asset_is_documented_owned_and_typed():
    from pipelines.definitions import defs

    for asset in defs.get_repository_def().asset_graph.assets_defs:
        for key in asset.keys:
            spec = next(s for s in asset.specs if s.key == key)
            assert spec.description and len(spec.description) > 40, key
            assert spec.owners and spec.kinds, key


def test_loading_the_definitions_does_no_io(tmp_path, monkeypatch):
    """No network, no config read, no data dir created at import: point everything nowhere."""
    monkeypatch.setenv("REGIE_CONFIG_DIR", str(tmp_path / "missing-configs"))
    monkeypatch.setenv("REGIE_DATA_DIR", str(tmp_path / "data"))
    code = "import pipelines.definitions as d; d.build_definitions().get_repository_def().load_all_definitions()"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)
    assert not (tmp_path / "data").exists()


def test_dagster_cli_validates_the_workspace(tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All code locations passed validation" in result.stdout + result.stderr


def test_accepted_feeds_and_releases_have_a_daily_freshness_policy():
    from datetime import timedelta

    from dagster import AssetKey

    from pipelines.definitions import defs

    graph = defs.get_repository_def().asset_graph
    for name in ("accepted_feed", "release"):
        policy = graph.get(AssetKey(name)).freshness_policy
        assert policy is not None and policy.fail_window.to_timedelta() == timedelta(hours=48), name


def test_the_release_inputs_go_first_when_steps_wait_for_a_core():
    from pipelines.definitions import defs

    nodes = defs.resolve_job_def("region_outputs").graph.node_dict
    priority = {name: int(node.definition.tags.get("dagster/priority", 0)) for name, node in nodes.items()}
    # of the steps ready once the regional feeds are merged, the longest on the way to the release first,
    # then the rest of the release's inputs, then what nothing waits for
    assert priority["release_notes"] > priority["open_feed_quality"] == priority["open_journey_graph"]
    assert priority["open_journey_graph"] > priority["journey_graph"] > priority["internal_feed_quality"]
    assert priority["release_no_restricted_operator_in_release"] > priority["release_catalogue_conforms_to_shacl"]
