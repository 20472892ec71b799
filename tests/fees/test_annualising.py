"""A feed that covers little of the fee year is measured over its whole service period (up to a
year) and annualised from it, and the result says so."""

from __future__ import annotations

from datetime import date

import pytest

from regie.demo import generate_demo_region
from regie.fees.metrics.network import network_metrics
from regie.gtfs.feed_tables import read_feed_tables

START = date(2026, 12, 6)  # a year of service from 6 December: 26 days of the 2026 fee year


@pytest.fixture(scope="module")
def ferry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    generate_demo_region(folder, start=START, mugabus_defects=False)
    return read_feed_tables(folder / "txingudi-ferry.zip")


def test_december_alone_is_not_extrapolated(ferry):
    december = network_metrics(ferry, fee_year=2026, min_year_share=0)  # the fee year only, as before
    assert december.basis == "fee_year" and december.covered_days == 26
    assert december.scale_factor == pytest.approx(365 / 26, rel=1e-6)
    whole = network_metrics(ferry, fee_year=2026)
    assert whole.basis == "service_period" and whole.covered_days == 26
    assert whole.measured_from == "2026-12-06" and whole.measured_days == 365
    assert whole.measured_to == "2027-12-05"
    assert whole.scale_factor == pytest.approx(1.0)
    assert whole.trips == whole.measured["trips"]  # a whole year measured: nothing extrapolated
    # the demo's weekday/weekend pattern makes a December-only guess differ from the year
    assert whole.trips != december.trips


def test_a_feed_covering_most_of_the_year_is_measured_on_the_fee_year(ferry):
    metrics = network_metrics(ferry, fee_year=2027)  # 1 Jan .. 5 Dec 2027 covered: 339 days
    assert metrics.basis == "fee_year" and metrics.covered_days == 339
    assert metrics.measured_from == "2027-01-01" and metrics.measured_to == "2027-12-05"


def test_no_service_in_the_fee_year_stays_zero(ferry):
    metrics = network_metrics(ferry, fee_year=2025)
    assert metrics.covered_days == 0 and metrics.trips == 0 and metrics.basis == "fee_year"
    assert any("no day of 2025" in warning for warning in metrics.warnings)
