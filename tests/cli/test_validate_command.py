"""`regie validate PATH_OR_URL`: reports written, exit codes 0 / 1 / 2, JSON on demand."""

from __future__ import annotations

import json
import shutil
import zipfile

from click.testing import CliRunner

from regie.cli.main import main
from regie.demo.server import FeedServer


def _run(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def test_a_good_feed_exits_0_and_writes_both_reports(tmp_path, feeds_dir):
    out = tmp_path / "out"
    result = _run(str(feeds_dir / "errors" / "transitfeed" / "good_feed.zip"), "--date", "2008-01-01", "--out", str(out))
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["validationDate"] == "2008-01-01"
    assert report["summary"]["counts"]["ERROR"] == 0
    assert (out / "report.html").is_file() and (out / "static").is_dir()


def test_errors_exit_1_and_json_goes_to_stdout(tmp_path, feeds_dir):
    bad = feeds_dir / "regional_bayarea" / "caltrain_2017-10-02.zip"
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(bad) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            if info.filename != "stops.txt":  # every stop_times row now points nowhere
                target.writestr(info, source.read(info))
    result = _run(str(broken), "--json", "--date", "2018-09-12", "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    report = json.loads(result.output)
    codes = {n["code"] for n in report["notices"] if n["severity"] == "ERROR"}
    assert "missing_required_file" in codes


def test_an_unreadable_file_exits_2_but_still_writes_the_report(tmp_path):
    junk = tmp_path / "feed.zip"
    junk.write_bytes(b"this is not a zip")
    result = _run(str(junk), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert any(n["code"] == "invalid_zip_file" for n in report["notices"])


def test_a_feed_by_url_over_loopback(tmp_path, feeds_dir):
    """By URL, with the pool's client: the default policy refuses loopback; a region that allows it
    (as the demo does) downloads, and its checks apply (its bounding box, expectations, as_of)."""
    served, region = tmp_path / "served", tmp_path / "region"
    served.mkdir()
    region.mkdir()
    shutil.copy(feeds_dir / "regional_bayarea" / "bart_2018-05-26.zip", served / "bart.zip")
    (region / "region.yaml").write_text(
        "name: Bay Area\ntimezone: America/Los_Angeles\nlanguages: [en]\nas_of: 2018-09-12\n"
        "bbox: {min_lon: -123.0, min_lat: 37.0, max_lon: -121.5, max_lat: 38.5}\n"
        "collection: {retries: 0, backoff_s: 0, allow_loopback: true}\n")
    with FeedServer(served) as server:
        refused = _run(f"{server.base_url}/bart.zip", "--out", str(tmp_path / "refused"))
        result = _run(f"{server.base_url}/bart.zip", "--region", str(region), "--out", str(tmp_path / "out"))
        missing = _run(f"{server.base_url}/nothing.zip", "--region", str(region), "--out", str(tmp_path / "missing"))
    assert refused.exit_code == 2 and "feed_download_failed" in refused.output
    assert result.exit_code == 0, result.output
    assert "the checks of region 'Bay Area'" in result.output
    summary = json.loads((tmp_path / "out" / "report.json").read_text())["summary"]
    assert summary["validationDate"] == "2018-09-12" and summary["expectations"]  # the region's suites ran
    assert missing.exit_code == 2
    report = json.loads((tmp_path / "missing" / "report.json").read_text())
    assert report["notices"][0]["code"] == "feed_download_failed"
