"""The planner page in headless Chromium, served by uvicorn on a loopback port: a journey is
planned through the form and drawn on the map, with no console error; feed text stays text."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from regie.serve.app import create_app
from regie.serve.planning import load_graph
from tests.browser import assert_no_dialog, save_screenshot, severe_console_entries
from tests.serve.conftest import BAY_DAY

HOSTILE_NAME = '<img src=x onerror="alert(1)"><script>alert(2)</script>Millbrae'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(bay_settings) -> Iterator[str]:
    """The app on a hostile copy of the graph: the Millbrae stops' names carry markup."""
    loaded = load_graph(bay_settings.graph_dir, bay_settings.planner)
    assert loaded is not None
    names = loaded.graph.stop_names
    for index in [i for i, name in enumerate(names) if "millbrae" in str(name).lower()]:
        names[index] = HOSTILE_NAME  # after the stop finder's index: "Millbrae" still finds them
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(bay_settings, loaded), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _wait(browser, condition, timeout: float = 20.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(lambda driver: condition(driver))


def test_a_journey_is_planned_through_the_form_and_drawn(browser, base_url):
    from selenium.webdriver.common.by import By

    browser.get(f"{base_url}/plan")
    assert browser.find_element(By.ID, "at").get_attribute("value") == f"{BAY_DAY}T08:00"
    browser.find_element(By.ID, "from").send_keys("Millbrae")
    browser.find_element(By.ID, "to").send_keys("Concord")
    browser.find_element(By.ID, "plan-button").click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#journeys .journey"))
    drawn = _wait(browser, lambda d: d.find_element(By.ID, "journey-map").get_attribute("data-legs-drawn"))
    assert int(drawn) >= 1
    assert len(browser.find_elements(By.CSS_SELECTOR, "#journey-map path.leg-line")) == int(drawn)
    first = browser.find_element(By.CSS_SELECTOR, "#journeys .journey")
    assert "Concord" in first.text and "→" in first.text
    assert HOSTILE_NAME in first.text  # the markup of the stop's name is shown as text
    assert not browser.find_elements(By.CSS_SELECTOR, "#journeys img, #journeys script")
    assert_no_dialog(browser)
    assert severe_console_entries(browser) == []
    save_screenshot(browser, "planner-page.png")


def test_a_bad_request_is_explained_on_the_page(browser, base_url):
    from selenium.webdriver.common.by import By

    browser.get(f"{base_url}/plan")
    browser.find_element(By.ID, "from").send_keys("Nowhere at all zzz")
    browser.find_element(By.ID, "to").send_keys("Concord")
    browser.find_element(By.ID, "plan-button").click()
    status = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#status.error").text)
    assert "no stop matches" in status
    assert browser.find_element(By.ID, "journey-map").get_attribute("data-legs-drawn") is None
    # the 404 of the API shows in the console as a failed resource; nothing else may
    assert all("404" in entry["message"] for entry in severe_console_entries(browser))
    assert_no_dialog(browser)


def test_the_stops_reachable_within_a_budget_are_drawn(browser, base_url):
    from selenium.webdriver.common.by import By

    browser.get(f"{base_url}/plan")
    browser.find_element(By.ID, "from").send_keys("Millbrae")
    budget = browser.find_element(By.ID, "budget_min")
    budget.clear()
    budget.send_keys("30")
    browser.find_element(By.ID, "isochrone-button").click()
    count = _wait(browser, lambda d: d.find_element(By.ID, "journey-map").get_attribute("data-isochrone-stops"))
    assert int(count) > 5
    assert len(browser.find_elements(By.CSS_SELECTOR, "#journey-map path.reached-stop")) == int(count)
    assert "within 30 min" in browser.find_element(By.ID, "status").text
    assert_no_dialog(browser)
    assert severe_console_entries(browser) == []
