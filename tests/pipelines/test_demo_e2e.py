"""`regie demo` end to end, twice.

Each run plays an update: every operator publishes a good version, then Mugabus publishes a
broken one. The broken version is blocked and the good one stays in force; the second run
succeeds and archives nothing new.
"""

from __future__ import annotations

import csv
import json
import zipfile

import pytest
from click.testing import CliRunner

from regie.cli.main import main
from regie.config import load_registry
from regie.store.paths import PROJECT_ROOT


@pytest.mark.slow
def test_demo_twice_then_status(tmp_path):
    data = tmp_path / "data"
    base = ["--data-dir", str(data), "--as-of", "2026-03-02"]
    runner = CliRunner()

    first = runner.invoke(main, [*base, "demo", "--port", "0"])
    assert first.exit_code == 0, first.output
    archived = sorted(p.relative_to(data) for p in (data / "archive").rglob("*.zip"))
    registry = load_registry(PROJECT_ROOT / "configs" / "operators.yaml", env={})
    static_feeds = [(op.id, feed.id) for op in registry.operators for feed in op.feeds if feed.kind.is_static]
    assert len(static_feeds) == 4 and len(archived) == 5  # Mugabus: the good and the broken version
    assert "New feed versions archived by this run: 5" in first.output
    mugabus = next(line for line in first.output.splitlines() if line.startswith("! mugabus"))
    assert "newest version" in mugabus and "blocked (" in mugabus and "in force: version" in mugabus
    assert not any(line.startswith("  ok") for line in first.output.splitlines())
    assert (data / "reports" / "index.html").is_file()

    second = runner.invoke(main, [*base, "demo", "--port", "0"])
    assert second.exit_code == 0, second.output
    assert "New feed versions archived by this run: 0" in second.output
    assert sorted(p.relative_to(data) for p in (data / "archive").rglob("*.zip")) == archived

    report = json.loads(runner.invoke(main, [*base, "status", "--json"]).output)
    assert report["as_of"] == "2026-03-02"
    assert [op["id"] for op in report["operators"]] == registry.ids
    for operator in report["operators"]:
        for feed in operator["feeds"]:
            assert feed["latest_fetch"]["outcome"] in ("unchanged", "not_modified", "snapshot"), feed
            if feed["kind"] != "gtfs":
                assert feed["latest_version"] is None and feed["last_success_at"] and feed["gate"] is None
                continue
            assert feed["latest_version"]["archive_path"].startswith(f"{operator['id']}/{feed['feed']}/")
            gate = feed["gate"]
            assert (data / "reports" / gate["report"]).is_file()
            if operator["id"] == "mugabus":
                assert feed["versions"] == 2
                assert gate["verdict"] == "blocked" and gate["serving_older"]
                assert gate["accepted_version"] != gate["latest_version"]
            else:
                assert feed["versions"] == 1
                assert gate["verdict"] == "accepted" and gate["accepted_version"] == gate["latest_version"]

    # integration: normalised feeds, the regional feeds, hubs, transfers, reconciliation
    integration = data / "integration"
    for operator_id in ("kosta-rail", "hiribus", "mugabus", "txingudi-ferry"):
        assert (integration / "normalised" / operator_id / "feed.zip").is_file()
        assert (integration / "normalised" / operator_id / "reconciliation.csv").is_file()
    assert not (integration / "normalised" / "bizi").exists()  # GBFS only
    for name in ("hubs", "stop_matches", "stop_match_review", "transfers", "reconciliation", "pool_checks"):
        assert (integration / "internal" / f"{name}.csv").is_file(), name
    in_force = {op["id"]: op["feeds"][0]["gate"]["accepted_version"] for op in report["operators"] if op["id"] != "bizi"}
    merged = {row["operator_id"]: row for row in csv.DictReader((integration / "internal" / "operators.csv").open())}
    for operator_id, version in in_force.items():  # the versions in force, never Mugabus's blocked one
        assert merged[operator_id]["versions"].startswith(version), operator_id
    with zipfile.ZipFile(integration / "internal" / "regional.zip") as internal:
        assert b"mugabus:" in internal.read("stops.txt")
    with zipfile.ZipFile(integration / "open" / "regional.zip") as published:
        assert all(b"mugabus" not in published.read(m).lower() for m in published.namelist())
    for name in ("internal", "open"):
        verdict = json.loads((data / "reports" / "_region" / name / "report.json").read_text())
        assert verdict["summary"]["counts"]["ERROR"] == 0, name
    regional = report["regional_feeds"]
    assert regional["internal"]["operators"] == ["kosta-rail", "hiribus", "mugabus", "txingudi-ferry"]
    assert regional["open"]["operators"] == ["kosta-rail", "hiribus", "txingudi-ferry"]
    assert regional["open"]["gate"]["ERROR"] == 0 and regional["open"]["rows"]["stops"] > 50

    # fees: every demo operator's statement and the regional summary, and `regie fees`
    year_dir = data / "fees" / "2026"
    for operator_id in registry.ids:
        assert (year_dir / f"{operator_id}.html").is_file() and (year_dir / f"{operator_id}.json").is_file()
    summary = json.loads((year_dir / "summary.json").read_text())
    assert summary["fee_year"] == 2026 and not summary["errors"]
    fees = runner.invoke(main, [*base, "fees", "--json"])
    assert fees.exit_code == 0, fees.output
    table = json.loads(fees.output)
    amounts = {fee["operator"]["id"]: fee["amount_cents"] for fee in table["fees"]}
    assert set(amounts) == set(registry.ids) and all(150_000 <= cents <= 800_000 for cents in amounts.values())
    assert table["summary"]["total_cents"] == sum(amounts.values())

    cheaper = tmp_path / "tiers.yaml"
    text = (PROJECT_ROOT / "configs" / "tiers.yaml").read_text()
    cheaper.write_text(text.replace("annual_budget: 50000", "annual_budget: 40000").replace("S1: {R1: 1500,", "S1: {R1: 1000,"))
    what_if = runner.invoke(main, [*base, "fees", "--tiers", str(cheaper)])
    assert what_if.exit_code == 0 and "What if" in what_if.output
    ferry = next(line for line in what_if.output.splitlines()[1:] if line.strip().startswith("txingudi-ferry")
                 and "->" in line)
    assert ferry.split()[1:5] == ["1,500.00", "->", "1,000.00", "-500.00"]  # the ferry: S1 × R1
    budget = next(line for line in what_if.output.splitlines() if line.strip().startswith("budget"))
    assert budget.split()[1:5] == ["50,000.00", "->", "40,000.00", "-10,000.00"]

    from regie.fees.history import fee_history
    from regie.store.catalogue import Catalogue

    catalogue = Catalogue.open(f"sqlite:///{data / 'regie.db'}")
    history = fee_history(catalogue, "hiribus", 2026)
    catalogue.dispose()
    assert len(history) >= 2 and all(row["amount_cents"] == amounts["hiribus"] for row in history)
