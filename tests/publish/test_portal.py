"""The download portal in headless Chromium over a loopback server: no console errors, every link
resolves, the map shows the stops, the language switch changes the UI strings, feed text is
escaped."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from regie.demo.server import FeedServer
from regie.publish.portal import page_names
from regie.publish.run import PublishContext, publish
from regie.serve.app import create_app
from regie.serve.settings import ServeSettings
from tests.browser import assert_no_dialog, save_screenshot, severe_console_entries, wait_for
from tests.publish.conftest import demo_region, demo_registry, rename_first_stop

T0 = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
HOSTILE = '<img src=x onerror=alert(1)></script><script>alert(2)</script>'
SERVE_ONLY = ("/plan", "/api/docs")  # the planner and API of `regie serve`, not files of the site


@pytest.fixture
def site(pool_data_dir: Path) -> Path:
    rename_first_stop(pool_data_dir, HOSTILE)
    return publish(PublishContext(pool_data_dir, demo_region(), demo_registry()), now=T0).release_dir / "site"


def _mapped_stops(site: Path) -> int:
    stops = pq.read_table(site / "tables" / "stops.parquet")
    kinds = pc.fill_null(stops["location_type"], 0)
    return int(pc.sum(pc.less_equal(kinds, 1)).as_py())


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # a loopback test server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_pages_load_without_errors_and_every_link_resolves(site: Path, browser):
    driver = browser
    checked: set[str] = set()
    reports: set[str] = set()
    with FeedServer(site) as server:
        pages = [server.url(name) for name in page_names(demo_region().languages)]
        for page in pages:
            driver.get(page)
            if page.endswith(".html") and "/reports/" not in page:
                wait_for(driver, "#portal-map[data-ready='true']")
            assert severe_console_entries(driver) == [], page
            assert_no_dialog(driver)
            links = [element.get_attribute("href") for element in driver.find_elements("css selector", "a[href]")]
            reports.update(link for link in links if "/reports/" in link and link.endswith(".html"))
            if page == pages[-1] and reports - set(pages):  # then the reports' own links (the pool's nav removed)
                pages.extend(sorted(reports - set(pages)))
            for link in links:
                parts = urlsplit(link)
                if parts.netloc != urlsplit(server.base_url).netloc:
                    assert parts.scheme in ("http", "https"), link  # licence pages: never a script URL
                    continue
                if parts.path in SERVE_ONLY or link in checked:
                    continue
                assert _status(urljoin(link, parts.path)) == 200, f"{page}: {link}"
                checked.add(link)
    assert len(checked) > 40 and len(reports) == 4  # downloads, catalogue, checksums, languages; 4 reports


def test_the_map_shows_every_stop_and_feed_text_stays_text(site: Path, browser):
    driver = browser
    with FeedServer(site) as server:
        driver.get(server.url("index.en.html"))
        container = wait_for(driver, "#portal-map[data-ready='true']")
        assert int(container.get_attribute("data-stops")) == _mapped_stops(site)
        assert len(driver.find_elements("css selector", "path.stop-marker")) == _mapped_stops(site)
        assert len(driver.find_elements("css selector", "path.route-line")) > 0
        save_screenshot(driver, "portal.png")
        assert_no_dialog(driver)
        assert driver.find_elements("css selector", "img[src='x']") == []
    html = (site / "index.html").read_text(encoding="utf-8")
    assert HOSTILE not in html and "<img src=x" not in html


def test_the_language_switch_changes_the_ui_strings(site: Path, browser):
    driver = browser
    with FeedServer(site) as server:
        driver.get(server.url("index.html"))  # the region's first language: French
        assert driver.find_element("tag name", "html").get_attribute("lang") == "fr"
        assert driver.find_element("id", "downloads-title").text == "Jeux de données"
        for code, heading in (("en", "Datasets"), ("es", "Conjuntos de datos"), ("eu", "Datu multzoak"),
                              ("fr", "Jeux de données")):
            driver.find_element("css selector", f".language-switch a[hreflang='{code}']").click()
            driver.find_element("css selector", f"html[lang='{code}']")
            assert driver.find_element("id", "downloads-title").text == heading
            assert severe_console_entries(driver) == []


def test_every_dataset_shows_size_licence_checksum_dates_and_score(site: Path):
    html = (site / "index.en.html").read_text(encoding="utf-8")
    sums = dict(reversed(line.split("  ", 1)) for line in (site / "SHA256SUMS").read_text().splitlines())
    for relative in ("gtfs/regional.zip", "gtfs/kosta-rail.zip", "tables/stops.parquet", "gbfs/bizi/station_information.json"):
        assert f'href="{relative}"' in html and sums[relative] in html
    assert "Open Data Commons Open Database License v1.0 (ODbL-1.0)" in html
    assert "2026-03-02 –" in html  # coverage from the calendars
    assert "80.0 / 100" in html  # Kosta Rail's quality score


@contextmanager
def _regie_serve(site: Path, graph_dir: Path) -> Iterator[str]:
    """`regie serve`'s application (no journey graph) on a loopback port, serving `site` at /."""
    import uvicorn

    app = create_app(ServeSettings(graph_dir=graph_dir, site_dir=site))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "the server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_under_regie_serve_the_portal_is_at_the_root_and_links_reach_the_planner(site: Path, browser, tmp_path):
    driver = browser
    latest = site.parent.parent / "latest" / "site"  # as `regie serve` finds it
    with _regie_serve(latest, tmp_path / "no-graph") as base:
        driver.get(base + "/")
        wait_for(driver, "#portal-map[data-ready='true']")
        assert severe_console_entries(driver) == []
        links = {element.get_attribute("href") for element in driver.find_elements("css selector", "a[href]")}
        local = sorted(link for link in links if link.startswith(base))
        assert {base + "/plan", base + "/api/docs"} <= set(local)
        for link in local:
            assert _status(link.split("#", 1)[0]) == 200, link
