"""Collection over a loopback HTTP server: versions, conditional GET, failures, snapshots, submit."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regie.collect.collector import Collector, SubmitError
from regie.collect.fetch import AddressPolicy, HttpFeedClient
from regie.collect.snapshots import SnapshotStore
from regie.config.operators import Registry
from regie.config.region import CollectionSettings
from regie.demo.server import FeedServer
from regie.store.archive import Archive
from regie.store.catalogue import Catalogue
from regie.store.catalogue.repository import Outcome

SETTINGS = CollectionSettings(connect_timeout_s=2, read_timeout_s=5, retries=1, backoff_s=0, snapshot_retention_days=7)

LOOPBACK = AddressPolicy(allow_loopback=True)  # the test servers listen on loopback


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def _write_zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


FEED = {"agency.txt": "agency_id,agency_name,agency_url,agency_timezone\na,A,http://a.example,Europe/Paris\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\ns1,Gare,43.3,-1.9\n"}


def _registry(base_url: str, *operators: tuple[str, str, str]) -> Registry:
    return Registry.model_validate({"operators": [
        {"id": op, "name": op.title(), "modes": ["bus"], "contact": "x@example.org", "licence": "CC0-1.0",
         "openness": "open", "member_from": "2024-01-01",
         "feeds": [{"id": feed_id, "kind": "gbfs" if feed_id == "gbfs" else "gtfs-rt" if feed_id == "rt" else "gtfs",
                    "url": f"{base_url}/{path}"}]}
        for op, feed_id, path in operators
    ]})


@pytest.fixture
def pool(tmp_path, database_url):
    """A served folder, a catalogue on each backend and a collector with a test clock."""
    served = tmp_path / "served"
    served.mkdir()
    server = FeedServer(served).start()
    catalogue = Catalogue.open(database_url)
    client = HttpFeedClient(connect_timeout_s=2, read_timeout_s=5, retries=1, backoff_s=0, policy=LOOPBACK)
    clock = Clock(datetime(2026, 3, 1, tzinfo=UTC))
    collector = Collector(client=client, catalogue=catalogue, archive=Archive(tmp_path / "archive"),
                          snapshots=SnapshotStore(tmp_path / "snapshots"), settings=SETTINGS, clock=clock)
    yield {"served": served, "server": server, "catalogue": catalogue, "collector": collector,
           "clock": clock, "tmp": tmp_path}
    server.stop()
    client.close()
    catalogue.dispose()


def _archived(tmp: Path) -> list[Path]:
    return sorted(p for p in (tmp / "archive").rglob("*") if p.is_file() and ".incoming" not in p.parts)


def test_new_version_then_not_modified_then_rezipped_is_unchanged(pool):
    served, collector, catalogue = pool["served"], pool["collector"], pool["catalogue"]
    _write_zip(served / "rail.zip", FEED)
    operator = _registry(pool["server"].base_url, ("rail", "gtfs", "rail.zip")).operator("rail")

    first = collector.collect_operator(operator).feeds[0]
    assert first.outcome is Outcome.NEW_VERSION
    path = pool["tmp"] / "archive" / "rail" / "gtfs" / f"{first.version.content_hash}.zip"
    assert path.is_file() and first.version.archive_path == f"rail/gtfs/{path.name}"
    assert first.fetch.http_status == 200 and first.fetch.etag

    second = collector.collect_operator(operator).feeds[0]
    assert second.outcome is Outcome.NOT_MODIFIED and second.fetch.http_status == 304
    assert second.version == first.version

    _write_zip(served / "rail.zip", dict(reversed(FEED.items())))  # same files, zipped again
    third = collector.collect_operator(operator).feeds[0]
    assert third.outcome is Outcome.UNCHANGED and third.fetch.http_status == 200
    assert third.fetch.raw_sha256 != first.fetch.raw_sha256
    assert third.version == first.version
    assert _archived(pool["tmp"]) == [path]
    assert len(catalogue.versions("rail")) == 1 and len(catalogue.fetches("rail")) == 3


def test_changed_content_is_a_new_version_and_the_old_one_stays(pool):
    served, collector, catalogue = pool["served"], pool["collector"], pool["catalogue"]
    _write_zip(served / "rail.zip", FEED)
    operator = _registry(pool["server"].base_url, ("rail", "gtfs", "rail.zip")).operator("rail")
    old = collector.collect_feed(operator, operator.feeds[0]).version
    _write_zip(served / "rail.zip", {**FEED, "stops.txt": FEED["stops.txt"] + "s2,Port,43.31,-1.91\n"})
    new = collector.collect_feed(operator, operator.feeds[0]).version
    assert new.content_hash != old.content_hash
    assert [v.content_hash for v in catalogue.versions("rail")] == [old.content_hash, new.content_hash]
    assert len(_archived(pool["tmp"])) == 2


def test_a_failed_fetch_deletes_nothing_and_does_not_stop_the_others(pool):
    served, collector, catalogue = pool["served"], pool["collector"], pool["catalogue"]
    _write_zip(served / "rail.zip", FEED)
    _write_zip(served / "bus.zip", FEED)
    registry = _registry(pool["server"].base_url, ("rail", "gtfs", "rail.zip"), ("bus", "gtfs", "bus.zip"))
    kept = collector.collect_operator(registry.operator("rail")).feeds[0].version
    (served / "rail.zip").unlink()

    results = [collector.collect_operator(registry.operator(op)) for op in registry.ids]
    rail, bus = results
    assert [f.outcome for f in rail.feeds] == [Outcome.FAILED]
    assert bus.feeds[0].outcome is Outcome.NEW_VERSION
    message = rail.feeds[0].describe()
    assert "operator 'rail'" in message and "feed 'gtfs'" in message
    assert f"{pool['server'].base_url}/rail.zip" in message and "404" in message
    with pytest.raises(Exception, match="operator 'rail', feed 'gtfs'.*404"):
        rail.raise_for_failures()
    assert catalogue.latest_version("rail", "gtfs") == kept
    assert (pool["tmp"] / "archive" / kept.archive_path).is_file()
    failed = catalogue.fetches("rail", outcome=Outcome.FAILED)
    assert len(failed) == 1 and failed[0].http_status == 404 and "404" in failed[0].error


def test_an_html_page_instead_of_a_zip_is_a_failure_not_a_version(pool, monkeypatch):
    served, collector, catalogue = pool["served"], pool["collector"], pool["catalogue"]
    (served / "rail.html").write_text("<html><body>Please log in</body></html>")
    operator = _registry(pool["server"].base_url, ("rail", "gtfs", "rail.html")).operator("rail")
    result = collector.collect_feed(operator, operator.feeds[0])
    assert result.failed and "text/html" in result.fetch.error
    assert catalogue.versions("rail") == [] and _archived(pool["tmp"]) == []


def test_a_broken_zip_is_still_archived_for_the_quality_gate(pool):
    served, collector = pool["served"], pool["collector"]
    (served / "rail.zip").write_bytes(b"PK\x03\x04 truncated garbage")
    operator = _registry(pool["server"].base_url, ("rail", "gtfs", "rail.zip")).operator("rail")
    result = collector.collect_feed(operator, operator.feeds[0])
    assert result.outcome is Outcome.NEW_VERSION and result.version.is_zip is False
    assert result.version.archive_path.endswith(".bin") and "not a readable zip" in result.fetch.error


def test_the_real_bay_area_feeds_over_loopback(pool, feeds_dir):
    served, collector = pool["served"], pool["collector"]
    names = sorted(p.name for p in (feeds_dir / "regional_bayarea").glob("*.zip"))
    for name in names:
        shutil.copy(feeds_dir / "regional_bayarea" / name, served / name)
    registry = _registry(pool["server"].base_url, *[(n.split("_")[0], "gtfs", n) for n in names])
    for operator in registry.operators:
        result = collector.collect_operator(operator).feeds[0]
        assert result.outcome is Outcome.NEW_VERSION, result.describe()
        served_file = served / operator.feeds[0].url.rsplit("/", 1)[1]
        assert result.version.is_zip and result.version.size_bytes == served_file.stat().st_size
    assert len(_archived(pool["tmp"])) == len(names) == 3


def _gbfs_site(served: Path, base_url: str, feeds_dir: Path | None = None) -> None:
    site = served / "bike"
    site.mkdir()
    names = ["system_information", "station_information", "station_status"]
    for name in names:
        source = feeds_dir / "gbfs" / "baywheels_2022-09-16" / f"{name}.json" if feeds_dir else None
        if source is not None:
            shutil.copy(source, site / f"{name}.json")
        else:
            (site / f"{name}.json").write_text(json.dumps({"last_updated": 0, "ttl": 0, "data": {}}))
    hostile = [{"name": "evil", "url": "file:///etc/passwd"}, {"name": "../escape", "url": f"{base_url}/bike/x.json"}]
    discovery = {"last_updated": 0, "ttl": 0, "version": "2.3", "data": {"en": {"feeds": [
        *({"name": n, "url": f"{base_url}/bike/{n}.json"} for n in names), *hostile]}}}
    (site / "gbfs.json").write_text(json.dumps(discovery))


def test_gbfs_snapshots_are_kept_for_the_retention_window(pool, feeds_dir):
    served, collector, catalogue, clock = pool["served"], pool["collector"], pool["catalogue"], pool["clock"]
    _gbfs_site(served, pool["server"].base_url, feeds_dir)
    operator = _registry(pool["server"].base_url, ("bike", "gbfs", "bike/gbfs.json")).operator("bike")
    first = collector.collect_operator(operator).feeds[0]
    assert first.outcome is Outcome.SNAPSHOT and first.version is None
    folder = pool["tmp"] / "snapshots" / first.fetch.snapshot_path
    assert sorted(p.name for p in folder.iterdir()) == [
        "gbfs.json", "station_information.json", "station_status.json", "system_information.json"]
    assert (folder / "station_information.json").read_bytes() == (served / "bike" / "station_information.json").read_bytes()
    assert not (pool["tmp"] / "escape.json").exists() and not list(folder.glob("evil*"))
    assert catalogue.versions("bike") == []  # snapshots are not versions

    clock.now += timedelta(days=8)
    second = collector.collect_operator(operator)
    assert second.pruned_snapshots == 1 and not folder.exists()
    assert (pool["tmp"] / "snapshots" / second.feeds[0].fetch.snapshot_path).is_dir()
    assert len(catalogue.fetches("bike")) == 2


def test_gtfs_rt_snapshot_of_a_real_message(pool, feeds_dir):
    served, collector = pool["served"], pool["collector"]
    sample = sorted((feeds_dir / "realtime").rglob("*.pb"))[0]
    shutil.copy(sample, served / "trip_updates.pb")
    operator = _registry(pool["server"].base_url, ("rt", "rt", "trip_updates.pb")).operator("rt")
    result = collector.collect_feed(operator, operator.feeds[0])
    assert result.outcome is Outcome.SNAPSHOT
    stored = pool["tmp"] / "snapshots" / result.fetch.snapshot_path / "trip_updates.pb"
    assert stored.read_bytes() == sample.read_bytes()


def test_submit_goes_through_the_same_archive_and_catalogue(pool):
    collector, catalogue = pool["collector"], pool["catalogue"]
    operator = _registry("http://127.0.0.1:9", ("rail", "gtfs", "rail.zip")).operator("rail")
    handed_in = _write_zip(pool["tmp"] / "handed-in.zip", FEED)
    first = collector.submit(operator, handed_in)
    assert first.outcome is Outcome.NEW_VERSION and first.version.source == "submit"
    assert handed_in.exists()  # the operator's file is copied, not moved
    again = collector.submit(operator, handed_in)
    assert again.outcome is Outcome.UNCHANGED
    assert [f.source for f in catalogue.fetches("rail")] == ["submit", "submit"]
    with pytest.raises(SubmitError, match="no such file"):
        collector.submit(operator, pool["tmp"] / "missing.zip")
