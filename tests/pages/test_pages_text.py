"""What people read: every page (operator report, regional feed report, overview, fee statement and
summary) in each language says things in words (no raw data structure, no key=value, no
internal names, rounded numbers), and its language switch works in a real Chromium."""

from __future__ import annotations

import math
import re
import zipfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from quality.config import ScoringFrame
from quality.notices import notices_frame
from quality.report import Publication, write_overview_html, write_report_html
from quality.result import ValidationOutcome
from quality.score import Completeness, compute_score
from regie.config.operators import Feed, Operator, Ridership
from regie.demo.server import FeedServer
from regie.fees.compute import compute_fee
from regie.fees.region import region_fees
from regie.fees.statements import write_fee_statement_html, write_region_summary_html
from regie.fees.tiers.loading import load_tiers, tiers_hash
from regie.store.paths import PROJECT_ROOT
from tests.browser import assert_no_dialog, save_screenshot, severe_console_entries

LANGUAGES = ["fr", "es", "eu", "en"]
RAW = [
    (re.compile(r"\{'|'\s*:\s|\[\{"), "a Python or JSON structure"),
    (re.compile(r"\b[a-z]+[A-Z][A-Za-z0-9]*\s*="), "a camelCase key=value pair"),
    (re.compile(r"\[metrics_|metrics_scaled|metrics_context|vehicle_km\b|has_shapes|findings_per_thousand"), "an internal name"),
    (re.compile(r"\d[.,]\d{6,}\b"), "an unrounded number"),
    (re.compile(r"\b(?:True|False|None|nan|NaN)\b"), "a Python literal"),
]
SWAPPED = "S-SWAP"


class _Text(HTMLParser):
    """The text a person sees: no script, style or hash (a content hash is a name, not a figure)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code") or ("class", "hash") in attrs:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "dd", "span") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def raw_structures(text: str) -> list[str]:
    return [f"{why}: {match.group(0)!r} in …{text[max(match.start() - 60, 0):match.end() + 60]}…"
            for pattern, why in RAW for match in pattern.finditer(text)]


def _notice(code, severity, *, file=None, row=None, field=None, message="", **context):
    return {"code": code, "severity": severity, "source": "canonical", "file": file, "row": row, "field": field,
            "message": message or code.replace("_", " "), "context": context}


def swapped_outcome(operator_id: str = "hiribus", feed_id: str = "gtfs", extra=()) -> ValidationOutcome:
    """A feed whose stop S-SWAP has its latitude and longitude swapped: 40 of its 43 warnings name it."""
    stops = [(f"S{i}", f"Kalea {i}", 43.30 + i * 0.002, -1.98 + i * 0.003, 0) for i in range(30)]
    stops.append((SWAPPED, "Amara Geltokia", -1.979933, 43.30767, 0))
    records = [_notice("fast_travel_between_consecutive_stops", "WARNING", file="stop_times.txt", tripId=f"T{i}",
                       stopId1=f"S{i % 30}", stopName1=f"Kalea {i % 30}", stopId2=SWAPPED, stopName2="Amara Geltokia",
                       speedKph=135191.4147246511, distanceKm=6759.570736232556, departureTime1="09:10:00",
                       arrivalTime2="09:12:00", csvRowNumber1=100 + i, csvRowNumber2=101 + i)
               for i in range(40)]
    records += [_notice("stop_too_far_from_shape", "WARNING", file="stop_times.txt", stopId=f"S{i}", shapeId="SH1",
                        geoDistanceToShape=123.456789, stopLocation=[43.3, -1.98], match=[43.301, -1.981],
                        shapePath=[[43.3, -1.98]] * 10) for i in range(3)]
    records += list(extra)
    frame = notices_frame(records)
    frame["blocking"] = frame["severity"] == "ERROR"
    frame["waived"], frame["waiver"] = False, None
    counts = {"stops": len(stops), "trips": 40, "stop_times": 800, "routes": 3}
    score = compute_score(notices=frame, row_counts=counts, frame=ScoringFrame(), validation_date=date(2026, 12, 6),
                          feed_end=date(2027, 3, 1), last_changed=date(2026, 11, 1), fetch_outcomes=[True] * 9 + [False],
                          completeness=Completeness(has_shapes=True, has_feed_info=True, has_translations=False,
                                                    stops_wheelchair_boarding=0.3333333, trips_wheelchair_accessible=0.0))
    return ValidationOutcome(
        feed_path=Path("/archive/hiribus.zip"), validation_date=date(2026, 12, 6), notices=frame, row_counts=counts,
        stops=pd.DataFrame(stops, columns=["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type"]),
        score=score, engine="gtfs-guru", engine_version="1.0.0", operator_id=operator_id, feed_id=feed_id,
        content_hash="sha256:" + "ab" * 32, feed_start=date(2026, 9, 1), feed_end=date(2027, 3, 1))


def _operator(operator_id: str, name: str, modes: tuple[str, ...], openness: str = "open") -> Operator:
    return Operator(id=operator_id, name=name, modes=list(modes), contact="data@example.org", licence="CC-BY-4.0",
                    openness=openness, ridership=Ridership(boardings=2_000_000, year=2026),
                    member_from=date(2020, 1, 1), feeds=[Feed(id="gtfs", kind="gtfs", url="https://example.org/f.zip")])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A data directory as the pool writes it: reports (an operator's, the regional feeds'), the
    overview, the fees of 2026; every page in fr (main), es, eu and en."""
    data = tmp_path_factory.mktemp("data")
    reports = data / "reports"
    release = data / "releases" / "20261206T060000Z" / "site" / "index.html"
    release.parent.mkdir(parents=True)
    release.write_text("<!DOCTYPE html><title>portal</title>", encoding="utf-8")
    (data / "releases" / "latest").symlink_to("20261206T060000Z")
    write_report_html(swapped_outcome(), reports / "hiribus" / "gtfs" / "abab" / "report.html",
                      history=[], title="Hiribus — gtfs", operator_name="Hiribus", languages=LANGUAGES,
                      publication=Publication(openness="restricted"), static_dir=reports / "static")
    regional = data / "integration" / "internal" / "regional.zip"
    regional.parent.mkdir(parents=True)
    with zipfile.ZipFile(regional, "w") as archive:
        archive.writestr("feed_info.txt", "feed_publisher_name,feed_publisher_url,feed_lang,feed_version\n"
                                          "Régie Euskal Kostaldea,https://pool.example.org,mul,2026-12-06-1a2b3c4d5e6f-internal\n")
    pool_column = _notice("unknown_column", "INFO", file="routes.txt", field="route_type_original",
                          message="unknown column route_type_original")
    outcome = swapped_outcome("region", "internal", extra=[pool_column])
    outcome = ValidationOutcome(**{**outcome.__dict__, "feed_path": regional})
    from quality.report import write_report_json

    write_report_json(outcome, reports / "_region" / "internal" / "report.json")
    write_report_html(outcome, reports / "_region" / "internal" / "report.html", title="Euskal Kostaldea — internal",
                      languages=LANGUAGES, data_dir=data, static_dir=reports / "static")
    tiers = load_tiers(PROJECT_ROOT / "configs" / "tiers.yaml")
    bus = compute_fee(operator=_operator("hiribus", "Hiribus", ("bus",), "restricted"), kind="timetable", tiers=tiers,
                      fee_year=2026, feed_version="ab" * 32, tiers_hash=tiers_hash(tiers),
                      metrics={"vehicle_km": 812345.678912, "fee_year": 2026, "covered_days": 120, "scale_factor": 3.0416667,
                               "basis": "service_period", "measured_from": "2026-09-01", "measured_to": "2026-12-31",
                               "measured_days": 122,
                               "measured": {"vehicle_km": 267000.123456}})
    bikes = compute_fee(operator=_operator("bizi", "Bizi", ("bike_share",)), kind="bike_share", tiers=tiers, fee_year=2026,
                        feed_version=None, tiers_hash=tiers_hash(tiers),
                        metrics={"stations": 42, "vehicles": 310, "version": "2.3", "snapshot_at": "2026-12-06T06:15:00+00:00"})
    assert bus.ok and bikes.ok, (bus, bikes)
    fees = data / "fees" / "2026"
    for statement in (bus, bikes):
        write_fee_statement_html(statement, fees / f"{statement.operator_id}.html", languages=LANGUAGES)  # data dir: its layout
    write_region_summary_html(region_fees([bus, bikes], tiers), fees / "summary.html", region_name="Euskal Kostaldea",
                              statement_links={"hiribus": "hiribus.html", "bizi": "bizi.html"}, languages=LANGUAGES,
                              data_dir=data)
    rows = [
        {"operator": "hiribus", "name": "Hiribus", "feed": "gtfs", "kind": "gtfs", "openness": "restricted",
         "state": "in_force", "latest_version": "ab" * 6, "verdict": "accepted", "accepted_version": "ab" * 6,
         "score": outcome.score.total if outcome.score else None, "errors": 0, "feed_end": "2027-03-01",
         "report": "hiribus/gtfs/abab/report.html", "fetch_failed": False, "last_fetch_at": "2026-12-06T06:00:00+00:00"},
        {"operator": "kostaldea", "name": "Kostaldea", "feed": "gtfs", "kind": "gtfs", "openness": "open",
         "state": "expired", "latest_version": "cd" * 6, "verdict": "blocked", "accepted_version": None,
         "blocked_by": [["feed_expired", 1]], "errors": 1, "feed_end": None, "latest_feed_end": "2019-06-30",
         "score": 40.123456, "report": None, "fetch_failed": True, "last_fetch_at": "2026-12-06T06:00:00+00:00",
         "last_fetch_error": "HTTP 503"},
        {"operator": "bizi", "name": "Bizi", "feed": "gbfs", "kind": "gbfs", "openness": "open", "state": "snapshots",
         "fetch_failed": False, "last_fetch_at": "2026-12-06T06:15:00+00:00"},
    ]
    write_overview_html(rows, reports / "index.html", region_name="Euskal Kostaldea", as_of=date(2026, 12, 6),
                        languages=LANGUAGES, data_dir=data)
    return data


PAGES = ["reports/index.html", "reports/hiribus/gtfs/abab/report.html", "reports/_region/internal/report.html",
         "fees/2026/summary.html", "fees/2026/hiribus.html", "fees/2026/bizi.html"]


def _localised(page: str, language: str) -> str:
    return page if language == LANGUAGES[0] else page.replace(".html", f".{language}.html")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_pages_say_things_in_words(site: Path, page: str, language: str) -> None:
    html = (site / _localised(page, language)).read_text(encoding="utf-8")
    assert f'<html lang="{language}">' in html
    assert raw_structures(visible_text(html)) == []
    assert 'class="language-switch"' in html
    assert 'class="page-nav"' in html  # back to the overview, the fees


def test_the_report_groups_findings_by_their_cause_and_fits_the_map_to_the_bulk(site: Path) -> None:
    text = visible_text((site / "reports/hiribus/gtfs/abab/report.en.html").read_text(encoding="utf-8"))
    assert f"Stop {SWAPPED} (Amara Geltokia) is named by 40 of 43 warnings." in text
    assert "6,7" in text and "km from the middle of the feed's other stops" in text
    assert "40 of them name stop S-SWAP." in text
    assert "1 stop lies far from all the others" in text
    fr = visible_text((site / "reports/hiribus/gtfs/abab/report.html").read_text(encoding="utf-8"))
    assert f"L’arrêt {SWAPPED} (Amara Geltokia) est cité par 40 des 43 avertissements." in fr


def test_the_report_writes_the_score_in_words_and_says_what_to_do(site: Path) -> None:
    text = visible_text((site / "reports/hiribus/gtfs/abab/report.en.html").read_text(encoding="utf-8"))
    assert "Missing: translations.txt (names in other languages)." in text
    assert "Add translations.txt to raise completeness." in text
    assert "Filled: 33% of stops with wheelchair boarding information; 0% of trips with wheelchair information." in text
    assert "9 of 10 downloads succeeded in the last 30 days." in text
    # the samples: labelled columns, rounded numbers
    assert "Speed (km/h)" in text and "135,191" in text and "Distance (km)" in text and "6,759.6" in text
    assert "Distance to the shape (m)" in text and "123" in text


def test_a_report_claims_only_what_is_true(site: Path, tmp_path: Path) -> None:
    restricted = visible_text((site / "reports/hiribus/gtfs/abab/report.en.html").read_text(encoding="utf-8"))
    assert "merged into the internal regional feed only" in restricted and "not published" in restricted
    assert "used by the regional journey planner" not in restricted
    write_report_html(swapped_outcome(), tmp_path / "open.html", publication=Publication(openness="open"))
    assert "into the open regional feed, which is published" in visible_text((tmp_path / "open.html").read_text())
    write_report_html(swapped_outcome(), tmp_path / "alone.html")  # outside the pool: nothing but the verdict
    alone = visible_text((tmp_path / "alone.html").read_text())
    assert "passed the quality checks" in alone and "regional feed" not in alone


def test_the_regional_feed_report_names_its_version_and_publisher_and_agrees_with_itself(site: Path) -> None:
    html = (site / "reports/_region/internal/report.en.html").read_text(encoding="utf-8")
    assert "2026-12-06-1a2b3c4d5e6f-internal" in html and "Régie Euskal Kostaldea" in html
    assert 'id="code-unknown_column"' not in html  # the pool's own route_type_original column is no finding
    assert "routes.txt: route_type_original" in html
    total = re.search(r'id="score-total">([^<]+)<', html).group(1)
    parts = re.findall(r'class="component-score">([^<]+)<', html)
    assert re.fullmatch(r"\d+\.\d", total) and all(re.fullmatch(r"\d+\.\d", part) for part in parts)
    overview = (site / "reports/index.en.html").read_text(encoding="utf-8")
    assert 'href="_region/internal/report.en.html"' in overview and "2026-12-06-1a2b3c4d5e6f-internal" in overview


def test_the_overview_lists_every_feed_and_why(site: Path) -> None:
    text = visible_text((site / "reports/index.en.html").read_text(encoding="utf-8"))
    assert "Bizi" in text and "bike share (GBFS)" in text
    assert "expired: not in the regional feeds" in text and "service ended on Jun 30, 2019" in text
    assert "download failed on Dec 6, 2026" in text and "HTTP 503" in text
    assert "3 operators · 3 feeds · 1 in force · 1 expired · 1 failed download." in text
    html = (site / "reports/index.en.html").read_text(encoding="utf-8")
    assert 'href="../fees/2026/summary.en.html"' in html  # the fees, in the same language
    assert 'href="../releases/latest/site/index.html"' in html  # the downloads, through `latest`
    report = (site / "reports/hiribus/gtfs/abab/report.es.html").read_text(encoding="utf-8")
    assert 'href="../../../index.es.html"' in report  # every report links back to the overview


def test_fee_pages_say_figures_in_words_and_units(site: Path) -> None:
    bike = visible_text((site / "fees/2026/bizi.en.html").read_text(encoding="utf-8"))
    assert "Bike share measured on Dec 6, 2026, 6:15:00" in bike and "Snapshot taken at" in bike
    bus = visible_text((site / "fees/2026/hiribus.en.html").read_text(encoding="utf-8"))
    assert "Vehicle-kilometres a year" in bus and "812,346 vehicle-km" in bus and "annualising: 267,000 vehicle-km." in bus
    assert "Measured over the service period" in bus and "network size S2 × ridership R2 (a cell of the fee table)" in bus
    assert "the feed's whole service period (up to a year), then annualised" in bus
    eu = visible_text((site / "fees/2026/hiribus.eu.html").read_text(encoding="utf-8"))
    assert "Ibilgailu-kilometroak urtean" in eu


@pytest.mark.parametrize("page, before, after", [
    ("reports/hiribus/gtfs/abab/report.html", "Résumé", "Summary"),
    ("reports/index.html", "Flux régionaux", "Regional feeds"),
    ("fees/2026/summary.html", "Redevances face au budget", "Fees against the budget"),
])
def test_the_language_switch_in_chromium(site: Path, browser, page: str, before: str, after: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    with FeedServer(site) as server:
        driver.get(server.url(page))
        WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
        body = driver.find_element(By.TAG_NAME, "body").text
        assert before in body and after not in body
        assert raw_structures(re.sub(r"\b[0-9a-f]{12,}\b", "", " ".join(body.split()))) == []  # hashes are names
        switch = driver.find_element(By.CSS_SELECTOR, "nav.language-switch")
        switch.find_element(By.LINK_TEXT, "English").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
        body = driver.find_element(By.TAG_NAME, "body").text
        assert after in body and before not in body
        driver.find_element(By.CSS_SELECTOR, "nav.language-switch").find_element(By.LINK_TEXT, "Euskara").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "eu")
        assert after not in driver.find_element(By.TAG_NAME, "body").text
        save_screenshot(driver, f"pages-{page.replace('/', '-')}-eu.png")
        assert severe_console_entries(driver) == []
        assert_no_dialog(driver)


def test_the_report_map_fits_the_bulk_in_chromium(site: Path, browser) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    driver.get((site / "reports/hiribus/gtfs/abab/report.en.html").as_uri())  # from file:// too
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.getElementById('stop-map').dataset.ready === 'true'"))
    assert driver.execute_script("return document.getElementById('stop-map').dataset.outliers") == "1"
    # the view is a few km across (the bulk), not thousands: compare the scale bar's text
    scale = driver.execute_script("return document.querySelector('.leaflet-control-scale-line').textContent")
    number, unit = re.match(r"([\d.]+)\s*(k?m)", scale).groups()
    assert unit == "m" or float(number) <= 20, scale
    assert math.isfinite(float(number))
    assert severe_console_entries(driver) == []
