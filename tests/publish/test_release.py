"""Releases: complete, switched in atomically, a no-op when nothing changed, pruned, and a failed or
killed publish leaves the previous release serving."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from regie.config import Registry
from regie.demo import generate_demo_region
from regie.gtfs.feed_tables import read_feed_tables
from regie.integrate.integrator import OperatorFeeds, integrate_region
from regie.integrate.outputs import write_integration
from regie.publish.licences import LicenceError
from regie.publish.release import LATEST, latest_release, release_dirs
from regie.publish.run import PublishContext, publish, releases_dir
from regie.store.paths import PROJECT_ROOT
from tests.publish.conftest import RESTRICTED, demo_region, demo_registry, rename_first_stop

T0 = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


def _context(data_dir: Path, region=None, registry: Registry | None = None) -> PublishContext:
    return PublishContext(data_dir, region or demo_region(), registry or demo_registry())


def _touch_regional_feed(data_dir: Path, tag: str = "1") -> None:
    """A changed open regional feed (one more member), as the next integration would write."""
    with zipfile.ZipFile(data_dir / "integration" / "open" / "regional.zip", "a") as archive:
        archive.writestr(f"notes_{tag}.txt", f"note\n{tag}\n")


def _release_files(release: Path) -> dict[str, bytes]:
    return {path.relative_to(release).as_posix(): path.read_bytes()
            for path in sorted(release.rglob("*")) if path.is_file()}


def test_a_release_holds_every_output_and_latest_points_at_it(pool_data_dir: Path):
    outcome = publish(_context(pool_data_dir), now=T0)

    assert outcome.status == "published"
    releases = releases_dir(pool_data_dir)
    assert (releases / LATEST).is_symlink() and latest_release(releases) == outcome.release_dir
    site = outcome.release_dir / "site"
    for relative in ("gtfs/regional.zip", "gtfs/kosta-rail.zip", "gtfs/hiribus.zip", "gtfs/txingudi-ferry.zip",
                     "tables/stops.parquet", "tables/stop_times.csv", "geojson/stops.geojson",
                     "geojson/routes.geojson", "gbfs/bizi/station_information.json", "catalogue.jsonld",
                     "catalogue.ttl", "ATTRIBUTION.txt", "licences.json", "index.html", "index.es.html",
                     "index.eu.html", "index.en.html", "reports/kosta-rail/gtfs/v-kosta-rail/report.html",
                     "reports/_region/open/report.html", "SHA256SUMS"):
        assert (site / relative).is_file(), relative
    assert not (site / "gbfs" / "bizi" / "station_status.json").exists()  # minute-by-minute status is not a release
    assert not (site / "fees").exists()  # fee statements are not public unless the region says so


def test_sha256sums_lists_every_published_file_with_its_hash(pool_data_dir: Path):
    site = publish(_context(pool_data_dir), now=T0).release_dir / "site"
    listed = dict(reversed(line.split("  ", 1)) for line in (site / "SHA256SUMS").read_text().splitlines())
    files = {path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file()} - {"SHA256SUMS"}
    assert set(listed) == files
    for relative, digest in listed.items():
        assert hashlib.sha256((site / relative).read_bytes()).hexdigest() == digest, relative


def test_tables_are_typed(pool_data_dir: Path):
    site = publish(_context(pool_data_dir), now=T0).release_dir / "site"
    stop_times = pq.read_schema(site / "tables" / "stop_times.parquet")
    calendar = pq.read_schema(site / "tables" / "calendar.parquet")
    stops = pq.read_schema(site / "tables" / "stops.parquet")
    assert str(stop_times.field("arrival_time").type) == "int32"
    assert str(calendar.field("start_date").type) == "date32[day]"
    assert str(stops.field("stop_lat").type) == "double" and str(stops.field("stop_name").type) == "string"
    first = pq.read_table(site / "tables" / "stop_times.parquet").slice(0, 1).to_pylist()[0]
    csv_first = (site / "tables" / "stop_times.csv").read_text().splitlines()[1].split(",")
    header = (site / "tables" / "stop_times.csv").read_text().splitlines()[0].split(",")
    hours, minutes, seconds = (int(part) for part in csv_first[header.index("arrival_time")].split(":"))
    assert first["arrival_time"] == hours * 3600 + minutes * 60 + seconds


def test_the_same_inputs_make_no_new_release(pool_data_dir: Path):
    first = publish(_context(pool_data_dir), now=T0)
    before = _release_files(first.release_dir)
    again = publish(_context(pool_data_dir), now=T0 + timedelta(hours=1))
    assert again.status == "unchanged" and again.release_dir == first.release_dir
    assert release_dirs(releases_dir(pool_data_dir)) == [first.release_dir]
    assert _release_files(first.release_dir) == before


def test_a_revalidation_alone_makes_no_new_release_but_a_new_score_does(pool_data_dir: Path):
    report = pool_data_dir / "reports" / "_region" / "open" / "report.json"
    first = publish(_context(pool_data_dir), now=T0)
    data = json.loads(report.read_text())
    data["summary"].update(validatedAt="2026-03-03T04:00:00Z", durationSeconds=1.5)
    report.write_text(json.dumps(data))
    page = report.with_name("report.html")  # the pool's navigation gains a link to the downloads
    page.write_text(page.read_text().replace("</nav>", '<a href="../../../releases/latest/site/index.html">D</a></nav>'))
    assert publish(_context(pool_data_dir), now=T0 + timedelta(hours=1)).status == "unchanged"
    data["summary"]["score"]["total"] = 60.0
    report.write_text(json.dumps(data))
    second = publish(_context(pool_data_dir), now=T0 + timedelta(hours=2))
    assert second.status == "published" and second.previous == first.release_dir


def test_a_changed_input_makes_a_new_release_and_old_ones_are_pruned(pool_data_dir: Path):
    region = demo_region()
    region = region.model_copy(update={"publish": region.publish.model_copy(update={"keep_releases": 2})})
    made = []
    for step in range(3):
        if step:
            _touch_regional_feed(pool_data_dir, str(step))
        outcome = publish(_context(pool_data_dir, region), now=T0 + timedelta(days=step))
        assert outcome.status == "published"
        made.append(outcome.release_dir)
    kept = release_dirs(releases_dir(pool_data_dir))
    assert kept == made[1:] and latest_release(releases_dir(pool_data_dir)) == made[-1]


def test_the_next_release_says_what_changed(pool_data_dir: Path):
    first = publish(_context(pool_data_dir), now=T0)
    assert json.loads((first.release_dir / "site" / "release-notes.json").read_text())["region"]["first_release"]
    stop_id = rename_first_stop(pool_data_dir, "Gare renommée")
    site = publish(_context(pool_data_dir), now=T0 + timedelta(days=1)).release_dir / "site"
    notes = json.loads((site / "release-notes.json").read_text())
    assert notes["previous_release"] == first.release_id
    assert [item["id"] for item in notes["region"]["stops"]["changed"]] == [stop_id]
    assert notes["region"]["trips"]["counts"]["changed"] == 0
    assert "Gare renommée" in (site / "index.html").read_text(encoding="utf-8")
    datasets = json.loads((site / "datasets.json").read_text())
    assert datasets["regional-gtfs"]["modified"] == (T0 + timedelta(days=1)).isoformat()  # its content changed
    assert datasets["kosta-rail-gtfs"]["modified"] == T0.isoformat()  # the operator's own feed did not


def test_an_exception_half_way_leaves_the_previous_release_serving(pool_data_dir: Path):
    first = publish(_context(pool_data_dir), now=T0)
    before = _release_files(first.release_dir)
    _touch_regional_feed(pool_data_dir)

    def fail(site: Path) -> None:
        assert (site / "gtfs" / "regional.zip").is_file()  # half-way: data written, no catalogue yet
        raise OSError("disk full (injected)")

    with pytest.raises(OSError, match="injected"):
        publish(_context(pool_data_dir), now=T0 + timedelta(days=1), after_files=fail)
    releases = releases_dir(pool_data_dir)
    assert latest_release(releases) == first.release_dir
    assert release_dirs(releases) == [first.release_dir]
    assert not [path for path in releases.iterdir() if path.name.startswith(".partial-")]
    assert _release_files(first.release_dir) == before


KILLED_PUBLISH = """
import sys, time
from pathlib import Path
from datetime import datetime, UTC
from regie.publish.run import PublishContext, publish
from tests.publish.conftest import demo_region, demo_registry

data_dir, marker = Path(sys.argv[1]), Path(sys.argv[2])

def stall(site):
    marker.write_text(str(site))
    time.sleep(120)

publish(PublishContext(data_dir, demo_region(), demo_registry()), after_files=stall)
"""


def test_a_publish_killed_half_way_leaves_the_previous_release_serving(pool_data_dir: Path, tmp_path: Path):
    first = publish(_context(pool_data_dir), now=T0)
    before = _release_files(first.release_dir)
    _touch_regional_feed(pool_data_dir)
    marker = tmp_path / "half-way"
    child = subprocess.Popen([sys.executable, "-c", KILLED_PUBLISH, str(pool_data_dir), str(marker)],
                             cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    try:
        while not marker.exists():
            assert child.poll() is None, "the publishing child ended before it got half-way"
            time.sleep(0.05)
        partial = Path(marker.read_text())
        assert partial.is_dir() and (partial / "gtfs" / "regional.zip").is_file()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    releases = releases_dir(pool_data_dir)
    assert child.returncode == -signal.SIGKILL
    assert latest_release(releases) == first.release_dir
    assert release_dirs(releases) == [first.release_dir]  # the partial one is not a release
    assert _release_files(first.release_dir) == before

    after = publish(_context(pool_data_dir), now=T0 + timedelta(days=1))  # the next run cleans up and publishes
    assert after.status == "published" and latest_release(releases) == after.release_dir
    assert not [path for path in releases.iterdir() if path.name.startswith(".partial-")]


def _text_of(path: Path) -> bytes:
    """A file's bytes, with the members of a zip and the values of a Parquet file as text."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return b"\n".join(name.encode() + b"\n" + archive.read(name) for name in archive.namelist())
    if path.suffix == ".parquet":
        return str(pq.read_table(path).to_pylist()).encode()
    return path.read_bytes()


def test_the_restricted_operator_is_in_no_published_file(pool_data_dir: Path):
    assert (pool_data_dir / "integration" / "normalised" / RESTRICTED / "feed.zip").is_file()  # it is in the pool
    release = publish(_context(pool_data_dir), now=T0).release_dir
    hits = [path.relative_to(release).as_posix() for path in release.rglob("*")
            if RESTRICTED.encode() in path.relative_to(release).as_posix().encode()
            or (path.is_file() and RESTRICTED.encode() in _text_of(path).lower())]
    assert hits == []


def test_fee_statements_of_open_operators_only_and_only_when_the_region_says_so(pool_data_dir: Path):
    region = demo_region()
    public_fees = region.model_copy(update={"publish": region.publish.model_copy(update={"include_fees": True})})
    site = publish(_context(pool_data_dir, public_fees), now=T0).release_dir / "site"
    assert sorted(path.name for path in (site / "fees" / "2026").iterdir()) == ["kosta-rail.json"]


def test_an_open_operator_whose_licence_forbids_redistribution_stops_the_release(pool_data_dir: Path):
    registry = demo_registry()
    operators = [op.model_copy(update={"licence": "CC-BY-NC-4.0"}) if op.id == "hiribus" else op
                 for op in registry.operators]
    with pytest.raises(LicenceError, match="'hiribus'.*CC-BY-NC-4.0"):
        publish(_context(pool_data_dir, registry=registry.model_copy(update={"operators": operators})), now=T0)
    assert release_dirs(releases_dir(pool_data_dir)) == []


def test_script_urls_of_a_feed_reach_no_published_file(tmp_path: Path):
    """A feed's `javascript:` and `data:` URLs are emptied by normalisation; every published table,
    zip and GeoJSON derives from the cleaned open feed."""
    feeds, data = tmp_path / "feeds", tmp_path / "data"
    region, registry = demo_region(), demo_registry()
    generate_demo_region(feeds, start=region.as_of, mugabus_defects=False)
    hiribus = feeds / "hiribus.zip"
    with zipfile.ZipFile(hiribus) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    lines = members["stops.txt"].decode().splitlines()
    lines = [lines[0] + ",stop_url"] + [line + ",javascript:alert(1)" for line in lines[1:]]
    members["stops.txt"] = ("\n".join(lines) + "\n").encode()
    with zipfile.ZipFile(hiribus, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    open_ops = [op for op in registry.operators if op.id in ("kosta-rail", "hiribus")]
    inputs = [OperatorFeeds(op, [read_feed_tables(feeds / f"{op.id}.zip")], [f"v-{op.id}"], ["gtfs"]) for op in open_ops]
    write_integration(integrate_region(inputs, region), data / "integration")
    release = publish(_context(data, region, registry.model_copy(update={"operators": open_ops})), now=T0).release_dir
    stop_urls = pq.read_table(release / "site" / "tables" / "stops.parquet").column("stop_url").to_pylist()
    assert set(stop_urls) == {""}  # the column is published, its script URLs emptied
    hits = [path.name for path in release.rglob("*") if path.is_file() and b"javascript:" in _text_of(path).lower()]
    assert hits == []


def test_notes_made_ahead_are_used_only_while_they_still_hold(pool_data_dir: Path):
    from regie.publish.notes_ahead import ahead_path, notes_made_ahead, prepare_notes

    regional = pool_data_dir / "integration" / "open" / "regional.zip"
    releases = releases_dir(pool_data_dir)
    first = publish(_context(pool_data_dir), now=T0)
    stop_id = rename_first_stop(pool_data_dir, "Gare renommée")
    prepared = prepare_notes(regional, releases)  # as the release_notes asset does, before the release
    assert [item["id"] for item in prepared.region.stops.changed] == [stop_id]
    kept = notes_made_ahead(regional, first.release_dir, release="r", operator_names={"hiribus": "Hiribus"})
    assert kept is not None and kept.release == "r" and kept.previous == first.release_id
    assert kept.region.to_dict() == prepared.region.to_dict()
    assert {op: changes.to_dict() for op, changes in kept.operators.items()} == \
        {op: changes.to_dict() for op, changes in prepared.operators.items()}

    # the release takes them rather than working them out again (marked here to tell them apart)
    kept_file = json.loads(ahead_path(regional).read_text())
    kept_file["notes"]["region"]["stops"]["changed"][0]["label"] = "made ahead"
    ahead_path(regional).write_text(json.dumps(kept_file))
    second = publish(_context(pool_data_dir), now=T0 + timedelta(days=1))
    notes = json.loads((second.release_dir / "site" / "release-notes.json").read_text())
    assert notes["release"] == second.release_id and notes["previous_release"] == first.release_id
    assert notes["region"]["stops"]["changed"][0]["label"] == "made ahead"

    # stale: made against another previous release, or for another feed: never used
    assert notes_made_ahead(regional, second.release_dir, release="r", operator_names={}) is None
    prepare_notes(regional, releases)
    _touch_regional_feed(pool_data_dir, "changed")
    assert notes_made_ahead(regional, second.release_dir, release="r", operator_names={}) is None
    ahead_path(regional).write_text("{not json", encoding="utf-8")
    assert notes_made_ahead(regional, second.release_dir, release="r", operator_names={}) is None
