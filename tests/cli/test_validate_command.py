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
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(feeds_dir / "regional_bayarea" / "bart_2018-05-26.zip", served / "bart.zip")
    with FeedServer(served) as server:
        result = _run(f"{server.base_url}/bart.zip", "--date", "2018-09-12", "--out", str(tmp_path / "out"))
        missing = _run(f"{server.base_url}/nothing.zip", "--out", str(tmp_path / "missing"))
    assert result.exit_code == 0, result.output
    assert missing.exit_code == 2
    report = json.loads((tmp_path / "missing" / "report.json").read_text())
    assert report["notices"][0]["code"] == "feed_download_failed"
