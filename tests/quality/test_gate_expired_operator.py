"""Caltrain's 2017 feed added to the demo region: expired (and 9,000 km away), it stays in the
archive and the reports but is never in force, never integrated, and every view says why:
status, the overview rows, the integration and the fee run (a named error)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from regie.cli.main import main
from regie.collect.collector import Collector
from regie.collect.fetch import LocalFeedClient
from regie.demo import generate_demo_region
from regie.fees.run import region_fee_run
from regie.integrate.run import normalise_for_pool
from regie.pool import Pool
from regie.status import pool_status
from regie.store.paths import PROJECT_ROOT, resolve_paths

AS_OF = date(2026, 3, 2)
CALTRAIN = """
  - id: caltrain
    name: Caltrain
    modes: [rail]
    contact: data@caltrain.example
    licence: CC-BY-4.0
    openness: open
    ridership: {boardings: 18000000, year: 2025}
    member_from: 2024-01-01
    feeds:
      - id: gtfs
        kind: gtfs
        url: http://127.0.0.1:9/caltrain.zip   # never fetched: the feed is handed in
"""


@pytest.fixture(scope="module")
def region(tmp_path_factory, feeds_dir: Path):
    """The demo region's configuration with Caltrain added; hiribus and caltrain handed in."""
    tmp = tmp_path_factory.mktemp("expired")
    configs = tmp / "configs"
    shutil.copytree(PROJECT_ROOT / "configs", configs, ignore=shutil.ignore_patterns("examples"))
    region_yaml = (configs / "region.yaml").read_text(encoding="utf-8")
    (configs / "region.yaml").write_text(region_yaml.replace("# as_of: 2026-11-25", f"as_of: {AS_OF}"), encoding="utf-8")
    with (configs / "operators.yaml").open("a", encoding="utf-8") as handle:
        handle.write(CALTRAIN)
    generate_demo_region(tmp / "feeds", start=AS_OF, mugabus_defects=False)
    paths = resolve_paths({"REGIE_CONFIG_DIR": str(configs), "REGIE_DATA_DIR": str(tmp / "data")})
    with Pool.open(paths) as pool:
        collector = Collector(client=LocalFeedClient(), catalogue=pool.catalogue, archive=pool.archive,
                              snapshots=pool.snapshots, settings=pool.region.collection)
        collector.submit(pool.operator("hiribus"), tmp / "feeds" / "hiribus.zip")
        collector.submit(pool.operator("caltrain"), feeds_dir / "regional_bayarea" / "caltrain_2017-10-02.zip")
        for operator_id in ("hiribus", "caltrain"):
            pool.gatekeeper.gate_operator(pool.operator(operator_id))
    return {"paths": paths, "configs": configs, "data": tmp / "data"}


def _feed(report: dict, operator_id: str) -> dict:
    return next(op for op in report["operators"] if op["id"] == operator_id)["feeds"][0]


def test_status_says_expired_with_an_alarm(region):
    from datetime import UTC, datetime

    with Pool.open(region["paths"]) as pool:
        report = pool_status(pool, now=datetime.now(UTC))
    caltrain = _feed(report, "caltrain")
    assert caltrain["state"] == "expired" and caltrain["alarm"]
    assert caltrain["status"].startswith("expired: not in the regional feeds")
    assert caltrain["gate"]["accepted_version"] is None and caltrain["gate"]["verdict"] == "blocked"
    assert "feed_expired" in caltrain["gate"]["blocked_reason"]
    assert "most_stops_outside_region" in caltrain["gate"]["blocked_reason"]
    hiribus = _feed(report, "hiribus")
    assert hiribus["state"] == "in_force" and not hiribus["alarm"]
    bizi = _feed(report, "bizi")  # bike share is listed too, never fetched here
    assert bizi["kind"] == "gbfs" and bizi["last_fetch"] == "never fetched"


def test_it_is_not_integrated_and_says_why(region):
    with Pool.open(region["paths"]) as pool:
        result = normalise_for_pool(pool, pool.operator("caltrain"))
    assert result.status == "no_accepted_version" and "expired: not in the regional feeds" in result.reason
    assert not (region["data"] / "integration" / "normalised" / "caltrain").exists()


def test_its_fee_is_a_named_error(region):
    with Pool.open(region["paths"]) as pool:
        run, summary = region_fee_run(pool)
    caltrain = next(result for result in run.results if result.operator_id == "caltrain")
    assert not caltrain.ok and caltrain.code == "no_version_in_force" and "expired" in caltrain.message
    assert any(error.operator_id == "caltrain" for error in summary.errors)


def test_the_cli_says_it_in_words(region):
    runner = CliRunner()
    base = ["--config-dir", str(region["configs"]), "--data-dir", str(region["data"])]
    text = runner.invoke(main, [*base, "status"]).output
    line = next(line for line in text.splitlines() if "state:" in line and "expired" in line)
    assert line.startswith("! gtfs") and "not in the regional feeds" in line
    assert "not_modified" not in text and " d old" not in text
    assert "blocked: 2 errors: feed_expired, most_stops_outside_region" in text
    fees = runner.invoke(main, [*base, "fees"])
    assert fees.exit_code == 1 and "caltrain" in fees.output and "no version in force" in fees.output
