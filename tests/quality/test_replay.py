"""The rule-impact preview: other rules replayed over every archived version, live state untouched."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quality.config import QualityConfig, RuleThresholds, Waiver
from quality.engine import GtfsGuruEngine
from quality.gatekeeper import Gatekeeper
from quality.replay import replay_rules
from regie.collect.collector import Collector
from regie.collect.fetch import LocalFeedClient
from regie.collect.snapshots import SnapshotStore
from regie.config.operators import Registry
from regie.config.region import CollectionSettings, Region
from regie.demo import generate_demo_region
from regie.store.archive import Archive
from regie.store.catalogue import Catalogue, schema

START = date(2026, 3, 2)


@pytest.fixture
def pool(tmp_path: Path):
    good, broken = tmp_path / "good", tmp_path / "broken"
    generate_demo_region(good, start=START, mugabus_defects=False)
    generate_demo_region(broken, start=START, mugabus_defects=True)
    registry = Registry.model_validate({"operators": [{
        "id": "mugabus", "name": "Mugabus", "modes": ["coach"], "contact": "x@example.org", "licence": "CC0-1.0",
        "openness": "open", "member_from": "2024-01-01",
        "feeds": [{"id": "gtfs", "kind": "gtfs", "url": "http://x.example/m.zip"}]}]})
    region = Region.model_validate({"name": "Demo", "timezone": "Europe/Paris", "languages": ["fr"], "as_of": START,
                                    "bbox": {"min_lon": -2.2, "min_lat": 43.15, "max_lon": -1.3, "max_lat": 43.6}})
    catalogue = Catalogue.open(f"sqlite:///{tmp_path / 'regie.db'}")
    archive = Archive(tmp_path / "archive")
    collector = Collector(client=LocalFeedClient(), catalogue=catalogue, archive=archive,
                          snapshots=SnapshotStore(tmp_path / "snapshots"), settings=CollectionSettings())
    operator = registry.operator("mugabus")
    collector.submit(operator, good / "mugabus.zip")
    collector.submit(operator, broken / "mugabus.zip")
    config = QualityConfig()
    gatekeeper = Gatekeeper(catalogue=catalogue, archive=archive, region=region, config=config,
                            reports_dir=tmp_path / "reports", engine=GtfsGuruEngine(config.engine))
    gatekeeper.gate_operator(operator)  # the live state: the broken update is blocked
    yield {"gatekeeper": gatekeeper, "operator": operator, "catalogue": catalogue, "reports": tmp_path / "reports"}
    catalogue.dispose()


def _live_state(pool) -> tuple[int, int, list[Path]]:
    with pool["catalogue"].engine.connect() as connection:
        validations = connection.execute(select(func.count()).select_from(schema.validations)).scalar_one()
        findings = connection.execute(select(func.count()).select_from(schema.findings)).scalar_one()
    return validations, findings, sorted(pool["reports"].rglob("*"))


def test_replay_names_what_appears_vanishes_and_whose_version_in_force_changes(pool):
    gatekeeper, operator = pool["gatekeeper"], pool["operator"]
    [live_gate] = gatekeeper.gate_operator(operator, validate=False)
    assert live_gate.latest_blocked and live_gate.serving_older
    before = _live_state(pool)

    blocking_codes = [code for code, _ in live_gate.blocked_by if code != "stop_too_far_from_parent_station"]
    waivers = [Waiver(code=code, reason="known, fixed in the next version", granted_by="Transport authority",
                      expires=START + timedelta(days=30)) for code in blocking_codes]
    lenient = QualityConfig(thresholds=RuleThresholds(parent_station_max_distance_m=1_000_000),
                            waivers={"mugabus": waivers})
    [impact] = replay_rules(gatekeeper, [operator], lenient)

    newest = impact.versions[-1]
    assert newest.live.blocked and not newest.alternative.blocked
    assert ("stop_too_far_from_parent_station", "ERROR") in newest.vanished
    assert impact.live_in_force == live_gate.accepted.content_hash
    assert impact.alternative_in_force == newest.content_hash and impact.in_force_changes
    assert impact.to_dict()["version_in_force"]["changes"] is True
    assert _live_state(pool) == before  # nothing recorded, no report written

    [same] = replay_rules(gatekeeper, [operator], gatekeeper.config)
    assert not same.changed
