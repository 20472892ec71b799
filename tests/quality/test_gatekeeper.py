"""The gate over archived versions: a broken new version never replaces the accepted one."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from quality.config import QualityConfig, Waiver
from quality.engine import GtfsGuruEngine
from quality.gatekeeper import Gatekeeper
from quality.history import feed_validations, findings_of
from regie.collect.collector import Collector
from regie.collect.fetch import LocalFeedClient
from regie.collect.snapshots import SnapshotStore
from regie.config.operators import Registry
from regie.config.region import CollectionSettings, Region
from regie.demo import generate_demo_region
from regie.store.archive import Archive
from regie.store.catalogue import Catalogue

START = date(2026, 3, 2)
DEFAULT_CONFIG = QualityConfig()


@pytest.fixture(scope="module")
def demo_feeds(tmp_path_factory) -> dict[str, Path]:
    good, broken = tmp_path_factory.mktemp("good"), tmp_path_factory.mktemp("broken")
    generate_demo_region(good, start=START, mugabus_defects=False)
    generate_demo_region(broken, start=START, mugabus_defects=True)
    garbage = tmp_path_factory.mktemp("garbage") / "mugabus.zip"
    garbage.write_bytes(b"<html>not a feed</html>")
    return {"good": good / "mugabus.zip", "broken": broken / "mugabus.zip", "garbage": garbage}


@pytest.fixture
def pool(tmp_path, database_url):
    registry = Registry.model_validate({"operators": [{
        "id": "mugabus", "name": "Mugabus", "modes": ["coach"], "contact": "x@example.org", "licence": "CC0-1.0",
        "openness": "open", "member_from": "2024-01-01", "feeds": [{"id": "gtfs", "kind": "gtfs", "url": "http://x.example/m.zip"}]}]})
    region = Region.model_validate({"name": "Demo", "timezone": "Europe/Paris", "languages": ["fr"], "as_of": START,
                                    "bbox": {"min_lon": -2.2, "min_lat": 43.15, "max_lon": -1.3, "max_lat": 43.6}})
    catalogue = Catalogue.open(database_url)
    archive = Archive(tmp_path / "archive")
    collector = Collector(client=LocalFeedClient(), catalogue=catalogue, archive=archive,
                          snapshots=SnapshotStore(tmp_path / "snapshots"), settings=CollectionSettings())

    def gatekeeper(config: QualityConfig = DEFAULT_CONFIG, as_of: date = START) -> Gatekeeper:
        return Gatekeeper(catalogue=catalogue, archive=archive, region=region.model_copy(update={"as_of": as_of}),
                          config=config, reports_dir=tmp_path / "reports", engine=GtfsGuruEngine(config.engine))

    yield {"operator": registry.operator("mugabus"), "catalogue": catalogue, "collector": collector,
           "gatekeeper": gatekeeper, "reports": tmp_path / "reports"}
    catalogue.dispose()


def test_a_broken_update_is_blocked_and_the_good_version_stays(pool, demo_feeds):
    operator, collector, gatekeeper = pool["operator"], pool["collector"], pool["gatekeeper"]
    good = collector.submit(operator, demo_feeds["good"]).version
    [first] = gatekeeper().gate_operator(operator)
    assert first.accepted.version_id == good.id and not first.latest_blocked

    broken = collector.submit(operator, demo_feeds["broken"]).version
    [second] = gatekeeper().gate_operator(operator)
    assert second.latest.version_id == broken.id and second.latest_blocked
    assert second.accepted.version_id == good.id and second.serving_older
    assert [r.version_id for r in second.validated_now] == [broken.id]  # the good one was not redone

    garbage = collector.submit(operator, demo_feeds["garbage"]).version
    [third] = gatekeeper().gate_operator(operator)
    assert third.latest.version_id == garbage.id and third.latest_blocked and not third.latest.readable
    assert third.accepted.version_id == good.id

    codes = {f["code"] for f in findings_of(pool["catalogue"], second.latest.id)}
    assert {"foreign_key_violation", "stop_too_far_from_parent_station", "parent_station_coordinates_suspect",
            "junk_member"} <= codes
    report = pool["reports"] / second.latest.report_path
    assert report.is_file() and (report.parent / "report.json").is_file()
    assert "Bloquée" in report.read_text(encoding="utf-8")  # the region (languages: [fr]) reads French


def test_waivers_unblock_until_they_expire(pool, demo_feeds):
    operator, collector, gatekeeper = pool["operator"], pool["collector"], pool["gatekeeper"]
    collector.submit(operator, demo_feeds["good"])
    broken = collector.submit(operator, demo_feeds["broken"]).version
    [blocked] = gatekeeper().gate_operator(operator)
    blocking_codes = {f["code"] for f in findings_of(pool["catalogue"], blocked.latest.id) if f["blocking_count"]}

    waivers = [Waiver(code=code, reason="accepted for the demo", granted_by="Authority", expires=START + timedelta(days=30))
               for code in sorted(blocking_codes)]
    config = QualityConfig(waivers={"mugabus": waivers})
    [waived] = gatekeeper(config).gate_operator(operator)
    assert waived.accepted.version_id == broken.id and not waived.latest_blocked
    assert waived.latest.waived >= len(blocking_codes) and waived.latest.errors == blocked.latest.errors

    later = START + timedelta(days=31)
    [expired] = gatekeeper(config, as_of=later).gate_operator(operator)
    assert expired.latest_blocked and expired.accepted.version_id != broken.id
    history = feed_validations(pool["catalogue"], "mugabus", "gtfs")
    assert {r.validation_date for r in history} == {START, later}  # every verdict is kept


def test_expiry_of_the_version_in_force(pool, demo_feeds):
    operator, collector, gatekeeper = pool["operator"], pool["collector"], pool["gatekeeper"]
    collector.submit(operator, demo_feeds["good"])
    [fresh] = gatekeeper().gate_operator(operator)
    assert fresh.expiry == "ok"
    end = fresh.accepted.feed_end
    [expiring] = gatekeeper(as_of=end - timedelta(days=10)).gate_operator(operator)
    assert expiring.expiry == "expiring"
    [expired] = gatekeeper(as_of=end + timedelta(days=1)).gate_operator(operator)
    assert expired.expiry == "expired" and expired.accepted is None  # kept in the archive, never in force
    assert expired.state == "expired" and expired.alarm and expired.latest_blocked
    assert expired.expiry_text.startswith("expired: not in the regional feeds")
    assert ("feed_expired", 1) in expired.blocked_by


def test_a_new_version_already_expired_never_replaces_the_version_in_force(pool, demo_feeds, tmp_path):
    """A version published with only past service is blocked (feed_expired) and the good one stays."""
    operator, collector, gatekeeper = pool["operator"], pool["collector"], pool["gatekeeper"]
    good = collector.submit(operator, demo_feeds["good"]).version
    old_start = START - timedelta(days=800)
    generate_demo_region(tmp_path / "old", start=old_start, mugabus_defects=False)
    stale = collector.submit(operator, tmp_path / "old" / "mugabus.zip").version
    assert stale.id != good.id
    [gate] = gatekeeper().gate_operator(operator)
    assert gate.latest.version_id == stale.id and gate.latest.blocked
    assert gate.accepted.version_id == good.id and gate.state == "older_in_force"
    assert "feed_expired" in gate.blocked_text


def test_hart_needs_a_waiver_for_its_six_canonical_errors(feeds_dir):
    """The real case that motivates waivers: HART's equal_shape_distance_diff_coordinates."""
    from quality.validate import ValidationRequest, validate_feed

    hart = feeds_dir / "large" / "hart_2020-11-15.zip"
    day = date(2020, 11, 16)
    plain, _ = validate_feed(hart, ValidationRequest(validation_date=day, operator_id="hart"))
    assert plain.blocked
    assert set(plain.blocking_notices["code"]) == {"equal_shape_distance_diff_coordinates"}
    assert len(plain.blocking_notices) == 6

    waiver = Waiver(code="equal_shape_distance_diff_coordinates", file="shapes.txt", reason="shape points to be fixed",
                    granted_by="Transit authority", expires=date(2021, 1, 31))
    waived, uses = validate_feed(hart, ValidationRequest(validation_date=day, operator_id="hart",
                                                         config=QualityConfig(waivers={"hart": [waiver]})))
    assert not waived.blocked and int(waived.notices["waived"].sum()) == 6
    assert uses[0].matched == 6 and waived.counts_by_severity()["ERROR"] == 6  # still reported
