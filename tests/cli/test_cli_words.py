"""What the command line prints, in words: the operators' summary, the run's failure causes
(the library's own message under Dagster's wrapping), and `regie validate`'s summary."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from dagster._utils.error import SerializableErrorInfo

from pipelines.runner import user_cause
from regie.cli.common import feed_summary, print_operator_summary
from regie.cli.main import main

GATE = {"latest_version": "b" * 64, "verdict": "blocked", "latest_errors": 3,
        "blocked_reason": "3 errors: foreign_key_violation ×2, feed_expired", "accepted_version": "a" * 64,
        "serving_older": True, "score": 61.2, "expiry": "ok", "expiry_text": "runs until 2027-12-05",
        "feed_end": "2027-12-05", "days_left": 364, "report": None}


def _feed(**overrides):
    feed = {"feed": "gtfs", "kind": "gtfs", "gate": dict(GATE), "state": "older_in_force", "alarm": True,
            "fetch_failed": False, "last_fetch": "downloaded, no change 2 hours ago"}
    return {**feed, **overrides}


def test_a_blocked_newest_version_is_never_ok():
    text = feed_summary(_feed())
    assert text.startswith("newest version bbbbbbbbbbbb blocked (3 errors: foreign_key_violation ×2, feed_expired)")
    assert "in force: version aaaaaaaaaaaa, service until 2027-12-05 (364 days left)" in text
    assert "ok" not in text.split()


def test_failed_fetch_expired_and_bike_share_are_listed(capsys):
    report = {"operators": [
        {"id": "mugabus", "feeds": [_feed()]},
        {"id": "caltrain", "feeds": [_feed(state="expired", gate={**GATE, "accepted_version": None,
                                                                  "expiry_text": "expired: not in the regional feeds"})]},
        {"id": "kosta-rail", "feeds": [_feed(state="in_force", alarm=True, fetch_failed=True,
                                             last_fetch="failed 5 minutes ago: connection refused",
                                             gate={**GATE, "verdict": "accepted", "serving_older": False})]},
        {"id": "bizi", "feeds": [_feed(feed="gbfs", kind="gbfs", gate=None, state="snapshots", alarm=False,
                                       last_fetch="snapshot kept just now")]},
    ]}
    print_operator_summary(report, title="Operators:")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["", "Operators:"]
    rows = lines[2:-1]
    by_id = {line.split()[1 if line.startswith("!") else 0]: line for line in rows}
    assert by_id["caltrain"].startswith("! caltrain") and "expired: not in the regional feeds" in by_id["caltrain"]
    assert "last fetch failed 5 minutes ago: connection refused" in by_id["kosta-rail"]
    assert by_id["bizi"].startswith("  bizi") and "bike share (GBFS)" in by_id["bizi"]
    starts = {line.index(line.split()[2 if line.startswith("!") else 1]) for line in rows}
    assert len(starts) == 1  # the feed column is aligned
    assert lines[-1] == "  3 feeds to act on (marked !)"


def test_the_cause_under_dagsters_wrapping_is_the_librarys_message():
    cause = SerializableErrorInfo("ConfigError: configs/tiers.yaml: key 'fee.amounts': S9 is not a bracket\n", [],
                                  "ConfigError")
    wrapped = SerializableErrorInfo("dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while "
                                    "executing op \"integration_fees\":\n", ["  File x"],
                                    "DagsterExecutionStepExecutionError", cause=cause)
    assert user_cause(wrapped) == "configs/tiers.yaml: key 'fee.amounts': S9 is not a bracket"


def test_validate_prints_verdict_counts_top_findings_and_where(tmp_path: Path, feeds_dir: Path):
    feed = feeds_dir / "regional_bayarea" / "countyconnection_2018-08-12.zip"
    result = CliRunner().invoke(main, ["validate", str(feed), "--out", str(tmp_path / "out"), "--date", "2018-09-12"])
    assert result.exit_code in (0, 1), result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(("Accepted", "Blocked"))
    assert "errors" in lines[1] and "warnings" in lines[1] and "not region-specific" in lines[1]
    assert "Top findings:" in result.output and "stop_without_stop_time" in result.output
    assert f"Report: {(tmp_path / 'out' / 'report.html').resolve()}" in result.output
    assert "stop_outside_region" not in result.output  # no region: no bounding box


def test_validate_with_a_bad_quality_yaml_is_one_clean_line(tmp_path: Path, feeds_dir: Path):
    region = tmp_path / "region"
    region.mkdir()
    (region / "region.yaml").write_text("name: r\ntimezone: Europe/Paris\nlanguages: [en]\n"
                                        "bbox: {min_lon: 0, min_lat: 0, max_lon: 1, max_lat: 1}\n")
    (region / "quality.yaml").write_text("blocking:\n  severities: [WARNING]\n")
    feed = feeds_dir / "regional_bayarea" / "countyconnection_2018-08-12.zip"
    result = CliRunner().invoke(main, ["validate", str(feed), "--region", str(region), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"{region / 'quality.yaml'}: key 'blocking.severities': ERROR must be listed: an unwaived ERROR always "
        "blocks (accept one with a waiver)"]
    (region / "region.yaml").write_text("name: r\n")
    broken = CliRunner().invoke(main, ["--config-dir", str(region), "validate", str(feed)])
    assert broken.exit_code == 1 and "region.yaml: key 'timezone': required key is missing" in broken.output
    assert "Traceback" not in broken.output


def test_validate_without_a_region_never_imports_great_expectations(tmp_path: Path, feeds_dir: Path):
    """Whole process, as a person runs it: no GX import; the engine starts before pandas loads."""
    import subprocess
    import sys

    feed = feeds_dir / "regional_bayarea" / "countyconnection_2018-08-12.zip"
    script = (
        "import sys\n"
        "import regie.cli.main, quality.early_engine\n"
        "before = 'pandas' in sys.modules\n"
        "from click.testing import CliRunner\n"
        f"result = CliRunner().invoke(regie.cli.main.main, ['validate', {str(feed)!r}, '--out', {str(tmp_path)!r}])\n"
        "print(before, 'great_expectations' in sys.modules, result.exit_code)\n"
    )
    env = {key: value for key, value in __import__("os").environ.items() if key != "REGIE_CONFIG_DIR"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600)
    assert out.stdout.split() == ["False", "False", "1"], out.stderr
