"""Alerts: a failed run and failed checks are posted to the region's webhook (a loopback receiver),
retried, never redirected, recorded in the catalogue once, and shown by `regie status`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from dagster import DagsterEventType, build_run_status_sensor_context, build_sensor_context, instance_for_test
from werkzeug import Request, Response

from pipelines.alerts import alert_on_failed_checks, alert_on_run_failure
from pipelines.definitions import build_definitions
from pipelines.resources import LocalFeedClientResource, PoolResource
from regie.alerts.journal import latest_alerts
from regie.alerts.model import Alert
from regie.alerts.webhook import post_alert
from regie.pool import Pool

REGION = """\
name: Alert region
timezone: Europe/Paris
bbox: {min_lon: -2.2, min_lat: 43.1, max_lon: -1.3, max_lat: 43.6}
languages: [en]
as_of: 2026-03-01
collection: {retries: 0, backoff_s: 0}
alerts: {retries: 2, backoff_s: 0}
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
        url: http://feeds.example/{id}.zip
"""


def test_post_alert_retries_a_server_error_and_names_what_failed(httpserver):
    received = []

    def handler(request: Request) -> Response:
        received.append(json.loads(request.data))
        return Response("busy", status=503) if len(received) == 1 else Response("ok", status=200)

    httpserver.expect_request("/hooks/T0KEN", method="POST").respond_with_handler(handler)
    alert = Alert("check_failure", "ERROR", "feed 'gtfs': expired: not in the regional feeds", operator_id="hiribus",
                  asset="accepted_feed", check="accepted_feed_not_expired", run_id="r1")
    delivery = post_alert(httpserver.url_for("/hooks/T0KEN"), alert, region="Demo", backoff_s=0)
    assert delivery.delivered and delivery.attempts == 2
    body = received[-1]
    assert {body[k] for k in ("operator_id", "asset", "check", "severity")} == {
        "hiribus", "accepted_feed", "accepted_feed_not_expired", "ERROR"}
    assert "expired" in body["cause"] and body["region"] == "Demo"


def test_a_redirecting_webhook_is_not_followed_and_its_token_not_reported(httpserver):
    httpserver.expect_request("/hooks/S3CRET").respond_with_response(
        Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    delivery = post_alert(httpserver.url_for("/hooks/S3CRET"), Alert("run_failure", "ERROR", "boom"), region="R",
                          retries=0)
    assert not delivery.delivered and delivery.status == 302
    assert "S3CRET" not in (delivery.error or "") and "http://localhost" in (delivery.error or "")


@pytest.fixture
def pool_with_a_broken_operator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver):
    configs, served, data = tmp_path / "configs", tmp_path / "served", tmp_path / "data"
    configs.mkdir()
    served.mkdir()
    (configs / "region.yaml").write_text(REGION)
    (configs / "operators.yaml").write_text("operators:\n" + OPERATOR.format(id="good") + OPERATOR.format(id="gone"))
    with zipfile.ZipFile(served / "good.zip", "w") as archive:
        archive.writestr("agency.txt", "agency_id,agency_name\na,A\n")
    received: list[dict] = []
    httpserver.expect_request("/alerts", method="POST").respond_with_handler(
        lambda request: received.append(json.loads(request.data)) or Response("ok"))
    monkeypatch.setenv("REGIE_ALERT_WEBHOOK_URL", httpserver.url_for("/alerts"))
    pool = PoolResource(config_dir=str(configs), data_dir=str(data))
    defs = build_definitions({"pool": pool, "feed_client": LocalFeedClientResource(root=str(served))})
    with instance_for_test() as instance:
        yield {"defs": defs, "pool": pool, "instance": instance, "received": received, "configs": configs,
               "data": data}


def test_failed_checks_and_runs_raise_one_alert_each(pool_with_a_broken_operator):
    setup = pool_with_a_broken_operator
    instance, received = setup["instance"], setup["received"]
    instance.add_dynamic_partitions("operators", ["good", "gone"])
    job = setup["defs"].resolve_job_def("operator_feeds")
    for operator in ("good", "gone"):  # 'gone' cannot be fetched; 'good' has no valid feed
        job.execute_in_process(instance=instance, partition_key=operator, raise_on_error=False)

    with Pool.open(setup["pool"].paths()) as pool:
        definitions = setup["defs"]
        with build_sensor_context(instance=instance, resources={"pool": pool}, definitions=definitions) as context:
            alert_on_failed_checks(context)
            cursor = context.cursor
        checks = [a for a in received if a["kind"] == "check_failure"]
        assert checks and all(a["operator_id"] in ("good", "gone", None) for a in checks)
        assert {"has_accepted_version"} <= {a["check"] for a in checks if a["operator_id"] == "good"}
        assert all(a["cause"] for a in checks)

        with build_sensor_context(instance=instance, resources={"pool": pool}, cursor=cursor,
                                  definitions=definitions) as context:
            alert_on_failed_checks(context)  # nothing new since the cursor
        assert len([a for a in received if a["kind"] == "check_failure"]) == len(checks)

        failed_run = next(run for run in instance.get_runs() if run.tags.get("dagster/partition") == "gone"
                          and run.is_failure)
        failure = next(event for event in instance.all_logs(failed_run.run_id)
                       if event.dagster_event and event.dagster_event.event_type == DagsterEventType.RUN_FAILURE)
        context = build_run_status_sensor_context(
            sensor_name="alert_on_run_failure", dagster_event=failure.dagster_event, dagster_instance=instance,
            dagster_run=failed_run, resources={"pool": pool}).for_run_failure()
        alert_on_run_failure(context)
        alert_on_run_failure(context)  # the same failure seen twice: one alert
        runs = [a for a in received if a["kind"] == "run_failure"]
        assert len(runs) == 1 and runs[0]["operator_id"] == "gone"
        assert "gone" in runs[0]["cause"] and "Traceback" not in runs[0]["cause"]

        last = latest_alerts(pool.catalogue)
        assert last["gone"]["kind"] == "run_failure" and last["gone"]["delivered"] == 1


def test_status_shows_each_operators_last_alert(pool_with_a_broken_operator):
    from click.testing import CliRunner

    from regie.alerts.raise_alert import raise_alert
    from regie.cli.main import main

    setup = pool_with_a_broken_operator
    with Pool.open(setup["pool"].paths()) as pool:
        raise_alert(Alert("run_failure", "ERROR", "operator 'gone', feed 'gtfs': fetch failed: HTTP 404",
                          operator_id="gone", asset="refresh_operator", run_id="r1"),
                    region=pool.region, catalogue=pool.catalogue)
    result = CliRunner().invoke(main, ["--config-dir", str(setup["configs"]), "--data-dir", str(setup["data"]), "status"])
    assert result.exit_code == 0, result.output
    gone = result.output[result.output.index("\ngone"):]
    assert "last alert:" in gone and "fetch failed: HTTP 404 (posted)" in gone
    assert "last alert" not in result.output[:result.output.index("\ngone")]  # 'good' has none
    report = CliRunner().invoke(main, ["--config-dir", str(setup["configs"]), "--data-dir", str(setup["data"]),
                                       "status", "--json"])
    operators = {operator["id"]: operator for operator in json.loads(report.output)["operators"]}
    assert operators["gone"]["last_alert"]["severity"] == "ERROR" and operators["good"]["last_alert"] is None


def test_a_failed_refresh_batch_alerts_each_failed_operator(pool_with_a_broken_operator):
    setup = pool_with_a_broken_operator
    instance, received = setup["instance"], setup["received"]
    job = setup["defs"].resolve_job_def("refresh_pool")
    result = job.execute_in_process(  # one batch of both: 'gone' cannot be fetched, 'good' has no valid feed
        instance=instance, raise_on_error=False,
        run_config={"ops": {"operators_to_refresh": {"config": {"operator_ids": ["good", "gone"], "operators_per_step": 2}}}})
    assert not result.success
    failure = next(event for event in instance.all_logs(result.run_id)
                   if event.dagster_event and event.dagster_event.event_type == DagsterEventType.RUN_FAILURE)
    with Pool.open(setup["pool"].paths()) as pool:
        context = build_run_status_sensor_context(
            sensor_name="alert_on_run_failure", dagster_event=failure.dagster_event, dagster_instance=instance,
            dagster_run=instance.get_run_by_id(result.run_id), resources={"pool": pool}).for_run_failure()
        alert_on_run_failure(context)
        alert_on_run_failure(context)  # seen twice: still one alert per failed operator
    runs = [a for a in received if a["kind"] == "run_failure"]
    assert [a["operator_id"] for a in runs] == ["gone"]  # 'good' ran to the end in the same step
    assert runs[0]["asset"] == "refresh_operators[good_and_1_more]" and runs[0]["cause"]
