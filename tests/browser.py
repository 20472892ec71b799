"""Headless Chromium for page tests (Debian's chromium + chromedriver): the `browser` fixture
(registered in conftest), console errors, dialogs, screenshots under test-artifacts/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from regie.store.paths import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@pytest.fixture
def browser(tmp_path: Path):
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        message = f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER})"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {message} (.ci/run installs them)")
        pytest.skip(f"{message}: apt-get install chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--window-size=1280,900", f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.unhandled_prompt_behavior = "ignore"  # an alert stays open, so the test can see it
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    # Record every alert/confirm/prompt before any page script runs (CDP scripts bypass the CSP).
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        window.__dialogs = [];
        for (const name of ["alert", "confirm", "prompt"]) {
          window[name] = function (...args) { window.__dialogs.push(name + ":" + args.join(" ")); };
        }"""})
    try:
        yield driver
    finally:
        driver.quit()


def severe_console_entries(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def assert_no_dialog(driver) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - raises when no dialog is open
    assert driver.execute_script("return window.__dialogs") == []


def save_screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.set_window_size(1280, 900)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height + 40, 900), 6000))
    driver.execute_script("window.scrollTo(0, 0)")
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path)), f"could not save {path}"
    return path


def wait_for(driver, css: str, timeout_s: float = 15):
    """The element matching `css`, once the page shows it (scripts may still be running when the
    load event fires, more so on a busy machine); fails naming the page and its console if it never does."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout_s).until(lambda page: page.find_element("css selector", css))
    except TimeoutException:
        pytest.fail(f"{css} not shown on {driver.current_url} after {timeout_s} s; console: {driver.get_log('browser')}")
