"""The real-region example, configs/examples/basque-cross-border/, is a complete region: every
config file loads, and every feed is collected when its public URLs are rewritten to a loopback
server serving demo-generated feeds (a test-only copy of the config; no public host is contacted)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from quality.config import load_quality_config
from regie.collect.collector import Collector
from regie.collect.fetch import http_client
from regie.collect.snapshots import SnapshotStore
from regie.config import load_region, load_registry
from regie.config.loader import parse_yaml
from regie.config.operators import FeedKind
from regie.demo import generate_demo_region
from regie.demo.server import FeedServer
from regie.fees.tiers.loading import load_tiers
from regie.store.archive import Archive
from regie.store.catalogue import Catalogue
from regie.store.catalogue.repository import Outcome
from regie.store.paths import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "configs" / "examples" / "basque-cross-border"
GTFS_STAND_INS = ["kosta-rail.zip", "hiribus.zip", "txingudi-ferry.zip"]


def test_every_file_of_the_example_region_loads() -> None:
    region = load_region(EXAMPLE / "region.yaml", env={})
    registry = load_registry(EXAMPLE / "operators.yaml", env={})
    load_tiers(EXAMPLE / "tiers.yaml")
    load_quality_config(EXAMPLE / "quality.yaml")  # absent: the defaults
    assert region.collection.allow_loopback is False  # a real region fetches from public hosts only
    assert len(registry.operators) == 16  # 11 public-transport operators and 5 shared-mobility systems
    feeds = [feed for operator in registry.operators for feed in operator.feeds]
    assert len({operator.id for operator in registry.operators}) == 16 and len(feeds) > 16


def _loopback(url: str, base: str) -> str:
    parts = urlsplit(url)
    return f"{base}/{parts.hostname}{parts.path or '/'}"


@pytest.fixture
def example_on_loopback(tmp_path: Path):
    """A copy of the example whose URLs point at a loopback server (loopback allowed in the copy)."""
    served, configs = tmp_path / "served", tmp_path / "configs"
    served.mkdir()
    shutil.copytree(EXAMPLE, configs)
    with FeedServer(served) as server:
        demo = generate_demo_region(tmp_path / "demo", start=date(2026, 3, 1), gbfs_base_url=server.base_url)
        shutil.copytree(demo.out_dir / "bizi", served / "bizi")
        text = (configs / "operators.yaml").read_text(encoding="utf-8")
        registry = parse_yaml(text)
        feeds = [feed for operator in registry["operators"] for feed in operator["feeds"]]
        for number, feed in enumerate(feeds):
            target = served / _loopback(feed["url"], "").lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            if feed["kind"] == "gtfs":
                shutil.copy(demo.out_dir / GTFS_STAND_INS[number % len(GTFS_STAND_INS)], target)
            elif feed["kind"] == "gbfs":
                shutil.copy(demo.out_dir / "bizi" / "gbfs.json", target)
            else:
                target.write_bytes(b"\n\x0c\n\x031.0\x10\x00\x18\x00")  # a tiny GTFS-RT FeedMessage header
            text = text.replace(feed["url"], _loopback(feed["url"], server.base_url), 1)
        (configs / "operators.yaml").write_text(text, encoding="utf-8")
        region = (configs / "region.yaml").read_text(encoding="utf-8")
        (configs / "region.yaml").write_text(
            region.replace("collection:\n", "collection:\n  allow_loopback: true        # test copy\n  retries: 0\n", 1)
            .replace("  retries: 3\n", "", 1), encoding="utf-8")
        yield configs, tmp_path


def test_every_feed_of_the_example_is_collected_from_loopback_stand_ins(example_on_loopback) -> None:
    configs, tmp_path = example_on_loopback
    region = load_region(configs / "region.yaml", env={})
    registry = load_registry(configs / "operators.yaml", env={})
    catalogue = Catalogue.open(f"sqlite:///{tmp_path / 'regie.db'}")
    with http_client(region.collection) as client:
        collector = Collector(client=client, catalogue=catalogue, archive=Archive(tmp_path / "archive"),
                              snapshots=SnapshotStore(tmp_path / "snapshots"), settings=region.collection,
                              clock=lambda: datetime.now(UTC))
        results = [collector.collect_operator(operator) for operator in registry.operators]
    catalogue.dispose()
    failures = [feed.describe() for result in results for feed in result.failures]
    assert failures == []
    outcomes = {(feed.kind, feed.outcome) for result in results for feed in result.feeds}
    assert outcomes == {(FeedKind.GTFS, Outcome.NEW_VERSION), (FeedKind.GBFS, Outcome.SNAPSHOT),
                        (FeedKind.GTFS_RT, Outcome.SNAPSHOT)}
    assert len(results) == 16
