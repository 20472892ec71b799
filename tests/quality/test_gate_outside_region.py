"""A feed whose stops lie mostly outside the region is an ERROR (it blocks); a few stray stops stay
warnings. The share is `thresholds.outside_region_error_share` in quality.yaml."""

from __future__ import annotations

from datetime import date

import pytest

from quality.config import RuleThresholds
from quality.rules import region
from quality.rules.context import RuleContext
from regie.config.operators import BoundingBox
from regie.demo import generate_demo_region
from regie.gtfs.feed_tables import read_feed_tables

DEMO_BOX = BoundingBox(min_lon=-2.2, min_lat=43.15, max_lon=-1.3, max_lat=43.6)
START = date(2026, 3, 2)


def _codes(frame):
    return frame.groupby(["code", "severity"]).size().to_dict()


def test_caltrain_in_the_demo_region_is_an_error(feeds_dir):
    feed = read_feed_tables(feeds_dir / "regional_bayarea" / "caltrain_2017-10-02.zip")
    found = region.check(feed, RuleContext(validation_date=START, bbox=DEMO_BOX))
    counts = _codes(found)
    assert counts[("most_stops_outside_region", "ERROR")] == 1
    error = found[found["code"] == "most_stops_outside_region"].iloc[0]
    assert error["context"]["share"] == 1.0 and error["context"]["outside"] == error["context"]["located"]
    assert "does not serve the region" in error["message"]


def test_a_few_stray_stops_stay_warnings(tmp_path):
    generate_demo_region(tmp_path, start=START, mugabus_defects=True)  # one parent station swapped
    feed = read_feed_tables(tmp_path / "mugabus.zip")
    found = region.check(feed, RuleContext(validation_date=START, bbox=DEMO_BOX))
    assert ("stop_outside_region", "WARNING") in _codes(found)
    assert "most_stops_outside_region" not in set(found["code"])


@pytest.mark.parametrize(("share", "error"), [(0.5, False), (0.01, True)])
def test_the_share_is_configurable(tmp_path, share, error):
    generate_demo_region(tmp_path, start=START, mugabus_defects=True)
    feed = read_feed_tables(tmp_path / "mugabus.zip")
    context = RuleContext(validation_date=START, bbox=DEMO_BOX,
                          thresholds=RuleThresholds(outside_region_error_share=share))
    assert ("most_stops_outside_region" in set(region.check(feed, context)["code"])) is error


def test_no_region_no_check(feeds_dir):
    feed = read_feed_tables(feeds_dir / "regional_bayarea" / "caltrain_2017-10-02.zip")
    assert region.check(feed, RuleContext(validation_date=START)).empty
