"""Quality reports: the JSON shape, escaping of hostile feed text, and the HTML page in a real
headless Chromium (Debian's chromium + chromedriver): no console errors, no alert, the stop map
with its flagged stops, the score chart; screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path

import pytest

from quality.config import ReportSettings, ScoringFrame
from quality.notices import notices_frame
from quality.report import OVERVIEW_KEYS, write_overview_html, write_report_html, write_report_json
from quality.result import ScoreResult, ValidationOutcome
from quality.score import Completeness, compute_score
from regie.demo.server import FeedServer
from regie.store.paths import PROJECT_ROOT
from tests.browser import ARTIFACTS, assert_no_dialog, save_screenshot, severe_console_entries

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(2)</script>"
WAIVER = "Ghost stop removed in the next version <b>— Transport authority & data office</b>"
HASH = "sha256:" + "c0ffee" * 10 + "abcd"

# Stops with coordinates: S1..S6 and ST1 (7 markers); S7 has none. Flagged: S1 (only by a waived
# finding), S2 and S3 and ST1 (warnings), S4 (an error found through its row in stops.txt).
STOPS = [
    ("S1", IMG, 43.4929, -1.4748, 0),
    ("S2", SCRIPT, 43.4832, -1.4586, 0),
    ("S3", "Gare de Bayonne quai 1", 43.4965, -1.4706, 0),
    ("S4", "", 43.4711, -1.5168, 0),
    ("S5", "Anglet Mairie", 43.4847, -1.5194, 0),
    ("S6", "Biarritz Halles", 43.4832, -1.5586, 0),
    ("ST1", "Gare de Bayonne", 43.4968, -1.4701, 1),
    ("S7", "Nowhere", math.nan, math.nan, 0),
]
FLAGGED = {"S1", "S2", "S3", "S4", "ST1"}


def _notice(code, severity, source="canonical", *, file=None, row=None, field=None, message="", blocking=None,
            waiver=None, **context):
    return {
        "code": code, "severity": severity, "source": source, "file": file, "row": row, "field": field,
        "message": message or f"{code} found", "context": context,
        "blocking": severity == "ERROR" if blocking is None else blocking,
        "waived": waiver is not None, "waiver": waiver,
    }


def _score(notices) -> ScoreResult:
    return compute_score(notices=notices, row_counts={"agency": 1, "stops": len(STOPS), "trips": 25, "stop_times": 120},
                         frame=ScoringFrame(), validation_date=date(2025, 6, 2), feed_end=date(2025, 7, 17),
                         last_changed=date(2025, 5, 1), fetch_outcomes=[True, True, False],
                         completeness=Completeness(has_shapes=True, has_feed_info=True, has_translations=False,
                                                   stops_wheelchair_boarding=0.456789, trips_wheelchair_accessible=0.0))


def _outcome() -> ValidationOutcome:
    import pandas as pd

    records = [
        _notice("invalid_url", "ERROR", file="agency.txt", row=2, field="agency_url",
                message=f"agency {IMG} has an invalid URL", agencyName=IMG, fieldValue="javascript:alert(3)"),
        _notice("missing_required_field", "ERROR", file="stops.txt", row=5, field="stop_name"),
        _notice("foreign_key_violation", "ERROR", file="stop_times.txt", row=12, field="stop_id", waiver=WAIVER,
                childFilename="stop_times.txt", childFieldName="stop_id", parentFilename="stops.txt",
                parentFieldName="stop_id", fieldValue="ghost", stopId="ghost"),
        _notice("same_name_and_description_for_stop", "WARNING", file="stops.txt", row=3, field="stop_desc",
                stopId="S2", stopName=SCRIPT, stopDesc=SCRIPT),
        _notice("fast_travel_between_consecutive_stops", "WARNING", file="stop_times.txt", waiver="Known ferry leg, ok",
                tripId="T1", stopId1="S1", stopName1=IMG, stopId2="S3", stopName2="Gare", speedKph=412.5),
        _notice("stop_too_far_from_parent_station", "WARNING", "regie", file="stops.txt", row=4, field="parent_station",
                stop_id="S3", parent_station="ST1", distance_m=math.nan),
        _notice("some_brand_new_rule", "INFO", "regie", message="Something odd <b>here</b>.", ratio=math.inf),
        *[
            _notice("leading_or_trailing_whitespaces", "INFO", file="trips.txt", row=line, field="trip_headsign",
                    fieldValue=" Bayonne ")
            for line in range(2, 27)
        ],
    ]
    gate = pd.DataFrame([{key: record.pop(key) for key in ("blocking", "waived", "waiver")} for record in records])
    frame = pd.concat([notices_frame(records), gate], axis=1)
    stops = pd.DataFrame(STOPS, columns=["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type"])
    return ValidationOutcome(
        feed_path=Path("/archive/sha256/c0/ffee.zip"),
        validation_date=date(2025, 6, 2),
        notices=frame,
        row_counts={"agency": 1, "stops": len(STOPS), "trips": 25, "stop_times": 120},
        stops=stops,
        score=_score(frame),
        engine="gtfs-guru",
        engine_version="1.0.0",
        duration_s=0.42,
        operator_id="txik-txak",
        feed_id="gtfs",
        content_hash=HASH,
        feed_start=date(2025, 5, 1),
        feed_end=date(2025, 7, 17),
    )


HISTORY = [
    {"version": "sha256:" + "a1" * 32, "validated_at": date(2025, 3, 3), "score": 80.0, "errors": 0, "accepted": True},
    {"version": "sha256:" + "b2" * 32, "validated_at": "2025-04-01", "score": 76.5, "errors": 1, "accepted": True},
    {"version": "sha256:" + "d3" * 32, "validated_at": "2025-05-02T08:00:00", "score": 40.0, "errors": 9,
     "accepted": False},
]

OVERVIEW_ROWS = [
    {"operator": "txik-txak", "name": f"Txik Txak {IMG}", "accepted_version": "sha256:" + "b2" * 32,
     "latest_version": HASH, "latest_verdict": "blocked", "score": 71.5, "errors": 2,
     "feed_end": date(2025, 6, 7), "last_update": "2025-06-02", "report": "txik-txak/index.html"},
    {"operator": "chronoplus", "name": "Chronoplus", "accepted_version": "sha256:" + "e4" * 32,
     "latest_version": "sha256:" + "e4" * 32, "latest_verdict": "accepted", "score": 93.0, "errors": 0,
     "feed_end": "2025-05-30", "last_update": "2025-05-01", "report": "javascript:alert(4)"},
    # as quality.overview.overview_rows writes them: "verdict", "feed", "expiry", "serving_older"
    {"operator": "hegobus", "name": SCRIPT, "feed": "gtfs", "accepted_version": None, "latest_version": "f5" * 6,
     "verdict": "blocked", "serving_older": False, "score": None, "errors": 14, "feed_end": None, "days_left": None,
     "expiry": "none", "last_update": None, "report": "hegobus/gtfs/f5f5/report.html"},
    {"operator": "kostaldea", "name": "Kostaldea", "feed": "gtfs", "accepted_version": "a7" * 6,
     "latest_version": "b8" * 6, "verdict": "blocked", "serving_older": True, "score": 55.0, "errors": 3,
     "feed_end": "2025-09-30", "days_left": 120, "expiry": "ok", "last_update": "2025-04-11",
     "report": "kostaldea/gtfs/b8b8/report.html"},
]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The written reports: site/index.html (overview), site/txik-txak/{index.html,report.json},
    one shared site/static/."""
    outcome = _outcome()
    operator_dir = tmp_path / "site" / "txik-txak"
    write_report_json(outcome, operator_dir / "report.json", extra={"operatorName": f"Txik Txak {IMG}"})
    write_report_html(
        outcome, operator_dir / "index.html", history=HISTORY, settings=ReportSettings(),
        title=f"Txik Txak {IMG}: feed quality", static_dir=tmp_path / "site" / "static",
    )
    write_overview_html(OVERVIEW_ROWS, tmp_path / "site" / "index.html", region_name=f"Pays basque {SCRIPT}",
                        as_of=date(2025, 6, 2))
    return tmp_path / "site"


def _strict_json(text: str):
    def reject(constant: str):
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=reject)


def test_json_report_shape(site: Path) -> None:
    text = (site / "txik-txak" / "report.json").read_text(encoding="utf-8")
    report = _strict_json(text)
    assert set(report) == {"summary", "notices"}
    summary = report["summary"]
    assert summary["validator"] == "gtfs-guru" and summary["version"] == "1.0.0"
    assert summary["validationDate"] == "2025-06-02"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", summary["validatedAt"])
    assert summary["feed"] == {
        "operator": "txik-txak", "feed": "gtfs", "content_hash": HASH, "path": "/archive/sha256/c0/ffee.zip",
        "serviceStart": "2025-05-01", "serviceEnd": "2025-07-17",
    }
    assert summary["counts"] == {"ERROR": 3, "WARNING": 3, "INFO": 26, "total": 32, "waived": 2, "blocking": 2}
    assert summary["blocked"] is True and summary["verdict"] == "blocked"
    assert summary["score"]["total"] == _outcome().score.total
    assert summary["score"]["components"]["completeness"] == 49.14  # (1 + 1 + 0 + 0.456789 + 0) / 5
    assert summary["rowCounts"]["stops"] == 8
    assert summary["operatorName"] == f"Txik Txak {IMG}"  # extra is merged into the summary

    notices = report["notices"]
    assert [n["severity"] for n in notices] == sorted(
        (n["severity"] for n in notices), key=["ERROR", "WARNING", "INFO"].index)
    by_code = {n["code"]: n for n in notices}
    for notice in notices:
        assert set(notice) == {"code", "severity", "source", "totalNotices", "waivedNotices", "blockingNotices",
                               "files", "sampleNotices"}
    assert by_code["invalid_url"]["blockingNotices"] == 1
    fk = by_code["foreign_key_violation"]
    assert (fk["totalNotices"], fk["waivedNotices"], fk["blockingNotices"]) == (1, 1, 0)
    sample = fk["sampleNotices"][0]
    assert sample["waived"] is True and sample["waiver"] == WAIVER
    assert (sample["filename"], sample["csvRowNumber"], sample["fieldName"]) == ("stop_times.txt", 12, "stop_id")
    assert sample["fieldValue"] == "ghost"
    keys = list(sample)  # a stable order: MobilityData's keys, the context sorted, the waiver
    assert keys[:4] == ["filename", "csvRowNumber", "fieldName", "message"] and keys[-2:] == ["waived", "waiver"]
    assert keys[4:-2] == sorted(keys[4:-2]) == ["childFieldName", "childFilename", "fieldValue", "parentFieldName",
                                                "parentFilename", "stopId"]
    assert by_code["stop_too_far_from_parent_station"]["source"] == "regie"
    assert by_code["stop_too_far_from_parent_station"]["sampleNotices"][0]["distance_m"] is None
    assert by_code["some_brand_new_rule"]["sampleNotices"][0]["ratio"] is None  # inf -> null
    assert by_code["some_brand_new_rule"]["sampleNotices"][0]["csvRowNumber"] is None
    whitespace = by_code["leading_or_trailing_whitespaces"]
    assert whitespace["totalNotices"] == 25 and len(whitespace["sampleNotices"]) == 20
    assert "NaN" not in text and "Infinity" not in text
    assert IMG in text  # JSON keeps the text as it is; escaping is the HTML's job


def test_html_escapes_feed_text(site: Path) -> None:
    html = (site / "txik-txak" / "index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html
    assert "</script><script>" not in html
    assert "onerror=alert(1)&gt;" in html  # shown, as text
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert len(re.findall(r"<script\b", html)) == 4  # the JSON block + three files, nothing else
    assert len(re.findall(r"</script>", html)) == 4
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block
    data = _strict_json(block)
    names = {stop[2]: stop[3] for stop in data["map"]["stops"]}
    assert names["S1"] == IMG and names["S2"] == SCRIPT
    assert {stop[2] for stop in data["map"]["stops"] if stop[5]} == FLAGGED
    assert data["map"]["without_coordinates"] == 1 and data["map"]["tiles"] is None
    assert [row["current"] for row in data["history"]] == [False, False, False, True]
    # offline: no resource from the network, the libraries copied next to the page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert "script-src &#39;self&#39;;" in html  # the CSP (quotes escaped in the attribute)
    for name in ("leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet/LICENSE", "chartjs/chart.umd.min.js",
                 "chartjs/LICENSE.md", "report.js", "report.css"):
        assert (site / "static" / name).is_file(), name
    assert 'src="../static/leaflet/leaflet.js"' in html
    # the words a person reads
    assert ">Blocked</span>" in html
    assert "A row refers to something" in html  # the explanation of foreign_key_violation
    assert "A stop is far from the station it belongs to" in html  # one of our own codes
    assert "the first finding says: Something odd &lt;b&gt;here&lt;/b&gt;." in html  # generic fallback
    assert "waived</span> <span class=\"waiver\">Ghost stop removed in the next version &lt;b&gt;" in html
    assert "Showing the first 20 of 25" in html
    assert "45 days left" in html


def test_tiles_only_when_configured(tmp_path: Path) -> None:
    settings = ReportSettings(tile_url="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
                              tile_attribution="© OpenStreetMap contributors")
    write_report_html(_outcome(), tmp_path / "r.html", history=[], settings=settings, title="t")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "img-src &#39;self&#39; data: https://*.tile.openstreetmap.org;" in html
    block = re.search(r'id="report-data">(.*?)</script>', html, re.S).group(1)
    assert _strict_json(block)["map"]["tiles"]["url"].startswith("https://{s}.tile.openstreetmap.org/")
    with pytest.raises(ValueError, match="tile_url must be an http"):
        write_report_html(_outcome(), tmp_path / "bad.html", settings=ReportSettings(tile_url="javascript:x"), title="t")


def test_history_as_the_pool_gives_it(tmp_path: Path) -> None:
    """The pool's history already lists this version (short hash, no prefix): it is marked, not
    added again, and the caller's order is kept."""
    history = [
        {"version": "d3" * 6, "validated_at": "2025-05-02T08:00:00+00:00", "score": 40.0, "errors": 9, "accepted": False},
        {"version": "c0ffeec0ffee", "validated_at": "2025-06-02T07:00:00+00:00", "score": 71.5, "errors": 3,
         "accepted": False},
        {"version": "a1" * 6, "validated_at": "2025-06-02T06:00:00+00:00", "score": None, "errors": None,
         "accepted": True},
    ]
    write_report_html(_outcome(), tmp_path / "r.html", history=history, settings=ReportSettings(), title="t")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    data = _strict_json(re.search(r'id="report-data">(.*?)</script>', html, re.S).group(1))
    assert [(row["version"], row["current"]) for row in data["history"]] == [
        ("d3" * 6, False), ("c0ffeec0ffee", True), ("a1" * 6, False)]
    assert data["history"][0]["label"] == ["2025-05-02", "d3d3d3d3"]


def test_overview(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "</script><script>" not in html
    assert "<script" not in html  # the overview needs no script at all
    assert 'href="txik-txak/index.html"' in html and 'href="hegobus/gtfs/f5f5/report.html"' in html
    assert "javascript:" not in html  # a non-relative link is not linked
    assert "runs until Jun 7, 2025 (5 days left)" in html and "runs until Sep 30, 2025 (120 days left)" in html
    assert "service ended on May 30, 2025, 3 days ago" in html
    assert "newest version blocked: an older version stays in force" in html
    assert "blocked: no version in force, not in the regional feeds" in html
    assert "4 operators · 4 feeds · 2 in force · 2 with a blocked newest version · 1 blocked · 1 expired." in html
    assert "<code>hegobus · gtfs</code>" in html
    assert set(OVERVIEW_ROWS[0]) == set(OVERVIEW_KEYS)


# --- in a real browser ------------------------------------------------------------------------


def test_report_in_chromium(site: Path, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    with FeedServer(site) as server:
        driver.get(server.url("txik-txak/index.html"))
        WebDriverWait(driver, 20).until(
            lambda d: d.execute_script("return document.getElementById('stop-map').dataset.ready === 'true'"))
        assert severe_console_entries(driver) == []
        assert_no_dialog(driver)
        assert "Blocked" in driver.find_element(By.ID, "verdict").text

        markers = driver.find_elements(By.CSS_SELECTOR, "#stop-map path.stop-marker")
        assert len(markers) == 7  # S7 has no coordinates
        flagged = driver.find_elements(By.CSS_SELECTOR, "#stop-map path.stop-flagged")
        assert len(flagged) == 5
        assert len(driver.find_elements(By.CSS_SELECTOR, "#stop-map path.stop-ok")) == 2
        assert len(driver.find_elements(By.CSS_SELECTOR, "#stop-map path.stop-sev-error")) == 1
        assert len(driver.find_elements(By.CSS_SELECTOR, "#stop-map path.stop-waived")) == 1
        fills = {path.get_attribute("fill") for path in flagged if "stop-waived" not in path.get_attribute("class")}
        assert fills == {"#c62828", "#e67e00"}  # error red, warning orange
        assert {path.get_attribute("fill") for path in
                driver.find_elements(By.CSS_SELECTOR, "#stop-map path.stop-ok")} == {"#486581"}
        assert driver.find_elements(By.CSS_SELECTOR, "#stop-map .leaflet-control-scale-line")
        assert not driver.find_elements(By.CSS_SELECTOR, "#stop-map .leaflet-tile")  # tiles off

        ARTIFACTS.mkdir(exist_ok=True)
        driver.find_element(By.ID, "map-section").screenshot(str(ARTIFACTS / "quality-report-map.png"))

        # The hostile stop name shows as text in the tooltip, not as an element.
        driver.execute_script("""
            const path = document.querySelector('#stop-map path.stop-waived');
            path.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: 10, clientY: 10}));""")
        tooltip = WebDriverWait(driver, 5).until(lambda d: d.find_element(By.CSS_SELECTOR, ".leaflet-tooltip"))
        assert IMG in tooltip.text
        assert not driver.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip img, main img")
        driver.execute_script("""
            document.querySelector('#stop-map path.stop-waived').dispatchEvent(new MouseEvent('mouseout', {bubbles: true}));""")

        chart = driver.execute_script("""
            const chart = Chart.getChart(document.getElementById('score-chart'));
            if (!chart) return null;
            const canvas = chart.canvas, pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
            return {points: chart.data.datasets[0].data, labels: chart.data.labels, painted: painted};""")
        assert chart is not None, "Chart.js did not draw the score chart"
        assert chart["points"] == [80, 76.5, 40, _outcome().score.total]
        assert chart["labels"][-1] == ["2025-06-02", "c0ffeec0"]
        assert chart["painted"] > 1000

        save_screenshot(driver, "quality-report.png")
        assert severe_console_entries(driver) == []
        assert_no_dialog(driver)

        driver.get(server.url("index.html"))
        WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
        assert len(driver.find_elements(By.CSS_SELECTOR, "table.overview tbody tr")) == 4
        assert driver.find_element(By.LINK_TEXT, f"Txik Txak {IMG}").get_attribute("href") == \
            server.url("txik-txak/index.html")
        save_screenshot(driver, "quality-overview.png")
        assert severe_console_entries(driver) == []
        assert_no_dialog(driver)


def test_report_from_a_file_url(site: Path, browser) -> None:
    """Opened straight from disk (file://), the page works the same."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    driver.get((site / "txik-txak" / "index.html").as_uri())
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.getElementById('stop-map').dataset.ready === 'true'"))
    assert driver.execute_script("return !!Chart.getChart(document.getElementById('score-chart'))")
    assert severe_console_entries(driver) == []
    assert_no_dialog(driver)


@pytest.mark.parametrize("package, folders", [
    ("quality.report", ("static", "templates")),
    ("regie.fees", ("templates",)),
    ("regie.pages", ("templates",)),
])
def test_page_files_are_package_data(package: str, folders: tuple[str, ...]) -> None:
    """pyproject's package-data covers every template and vendored file (else a wheel would ship without them)."""
    import fnmatch
    import tomllib

    patterns = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][package]
    root = PROJECT_ROOT.joinpath(*package.split("."))
    files = [path.relative_to(root).as_posix() for folder in folders
             for path in (root / folder).rglob("*") if path.is_file()]
    assert files
    missing = [name for name in files if not any(fnmatch.fnmatch(name, pattern) and
                                                 name.count("/") == pattern.count("/") for pattern in patterns)]
    assert missing == []
