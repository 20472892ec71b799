"""The leak scan (`regie.publish.leaks`): nothing of a restricted operator in a published file.

Unit tests on a synthetic release folder (every kind of file, every kind of trace, and what is
not a leak: a stop shared with an open operator, an open name that contains a restricted one),
then the demo region published for real: every file of its release, and the published database,
scanned for Mugabus (the demo's restricted operator)."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from regie.cli.main import main
from regie.gtfs.feed_tables import parse_csv, read_feed_tables
from regie.publish.database import load_release
from regie.publish.leaks import Fingerprint, fingerprint, registry_fingerprint, scan_bytes, scan_folder
from regie.publish.run import PublishContext, publish
from tests.publish.conftest import RESTRICTED, demo_region, demo_registry

INTERNAL = {
    "agency": "agency_id,agency_name,agency_url,agency_timezone\n"
              "op:A,Open Bus,https://open.example,Europe/Paris\nsec:B,Secret Coaches,https://sec.example,Europe/Paris\n",
    "stops": "stop_id,stop_name,stop_lat,stop_lon\n"
             "op:S1,Gare Centrale,43.100000,-1.100000\nop:S2,Hendaye Gare,43.200000,-1.200000\n"
             "sec:S1,Gare Centrale,43.100001,-1.100001\nsec:S2,Hendaye,43.350000,-1.650000\n"
             "sec:S3,Café Noir,43.360000,-1.660000\n",
    "routes": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
              "op:R1,op:A,1,Centrale - Hendaye Gare,3\nsec:R1,sec:B,1,Coastal Express,3\n",
}


@pytest.fixture(scope="module")
def print_() -> Fingerprint:
    tables = {name: parse_csv(text, f"{name}.txt")[0] for name, text in INTERNAL.items()}
    return fingerprint(tables, {"sec": "Secret Transport Company"})


def test_the_fingerprint_keeps_only_what_no_open_operator_has(print_):
    assert print_.ids == ["sec", "sec:"]
    assert print_.names == ["café noir", "coastal express", "hendaye", "secret coaches", "secret transport company"]
    assert print_.open_names == ["centrale - hendaye gare", "hendaye gare"]  # masked before the search
    assert print_.coordinates.tolist() == [[43.35, -1.65], [43.36, -1.66]]  # sec:S1 is at an open stop


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def clean_release(folder: Path) -> Path:
    """A release of the open operator only, in every kind of file."""
    stops = "stop_id,stop_name,stop_lat,stop_lon\nop:S1,Gare Centrale,43.100000,-1.100000\n" \
            "op:S2,Hendaye Gare,43.200000,-1.200000\n"
    files = {
        "gtfs/regional.zip": _zip({"stops.txt": stops.encode(), "agency.txt": INTERNAL["agency"].split("sec:")[0].encode()}),
        "tables/stops.parquet": _parquet(pa.table({"stop_id": ["op:S1", "op:S2"], "stop_name": ["Gare Centrale", "Hendaye Gare"],
                                                   "stop_lat": [43.1, 43.2], "stop_lon": [-1.1, -1.2]})),
        "tables/stops.csv": stops.encode(),
        "geojson/stops.geojson": json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.1, 43.1]},
             "properties": {"stop_name": "Gare Centrale"}}]}, separators=(",", ":")).encode(),
        "index.html": b"<p>Hendaye Gare &amp; Gare Centrale, line 1</p><a href='/stops?id=op%3AS2'>x</a>",
        "release-notes.md": b"# Release notes\n\nNo change.\n",
        "catalogue.ttl": b'<https://r.example/d> <http://purl.org/dc/terms/title> "Open Bus"@en .\n',
        "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00binary",
        "reports/index.json.gz": gzip.compress(b'{"operators": ["op"]}'),
    }
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    return folder


def test_a_clean_release_has_no_leak(tmp_path, print_):
    assert scan_folder(clean_release(tmp_path), print_) == []


@pytest.mark.parametrize("relative, data, kind, value", [
    ("gtfs/regional.zip", _zip({"stops.txt": b"stop_id,stop_name\nsec:S9,Somewhere\n"}), "id", "sec:"),
    ("gtfs/nested.zip", _zip({"inner.zip": _zip({"routes.txt": b"route_long_name\nCOASTAL EXPRESS\n"})}),
     "name", "coastal express"),
    ("tables/stops.parquet", _parquet(pa.table({"stop_name": ["Café Noir"]})), "name", "café noir"),
    ("tables/shapes.parquet", _parquet(pa.table({"shape_pt_lat": [43.35], "shape_pt_lon": [-1.65]})),
     "coordinates", "43.350000,-1.650000"),
    ("geojson/stops.geojson", json.dumps({"features": [{"geometry": {"coordinates": [-1.660000, 43.360000]}}]}).encode(),
     "coordinates", "43.360000,-1.660000"),
    ("geojson/routes.geojson", b'{"coordinates": [[-1.65000, 43.35000], [-1.1, 43.1]]}', "coordinates",
     "43.350000,-1.650000"),
    ("index.html", b"<p>Caf&eacute; Noir</p>", "name", "café noir"),
    ("index.html", b"<a href='/api/stops?id=sec%3AS2'>x</a>", "id", "sec:"),
    ("site/map.js", ("var s=[" + ",".join(f"[{43 + k / 100:.6f},{-1 - k / 100:.6f}]" for k in range(400))
                     + ",[43.350000,-1.650000]];").encode(), "coordinates", "43.350000,-1.650000"),
    ("tables/stops.csv", b"stop_id,stop_lat,stop_lon\nx,43.350001,-1.649999\n", "coordinates", "43.350000,-1.650000"),
    ("tables/links.csv", b"id,url\n1,https://x.example/?stop=sec%3AS2\n", "id", "sec:"),
    ("release-notes.md", b"- Stops added: Hendaye (H1)\n", "name", "hendaye"),
    ("catalogue.ttl", b'<x> <y> "Secret Transport Company"@fr .\n', "name", "secret transport company"),
    ("reports/r.json.gz", gzip.compress(b'{"operator": "sec"}'), "id", "sec"),
    ("graph/stops.npy", b"\x93NUMPY\x00\x00sec:S2\x00", "id", "sec:"),
    ("published.db", b"SQLite format 3\x00\x00\x01CAF\xc3\x89 NOIR\x00\x00", "name", "caf\u00e9 noir"),
])
def test_each_trace_is_found_and_named(tmp_path, print_, relative, data, kind, value):
    folder = clean_release(tmp_path)
    (folder / relative).parent.mkdir(parents=True, exist_ok=True)
    (folder / relative).write_bytes(data)
    leaks = scan_folder(folder, print_)
    assert leaks and all(leak.file.startswith(relative) for leak in leaks), leaks
    (named,) = [str(leak) for leak in leaks if (leak.kind, leak.value) == (kind, value)]
    assert named.startswith(relative) and repr(value) in named  # the message names the file and the value


def test_coordinates_of_different_stops_on_one_line_are_not_a_hit(print_):
    # the latitude of one private stop and the longitude of the other, each alone on its record
    assert scan_bytes("a.csv", b"lat,lon\n43.350000,-1.100000\n43.100000,-1.660000\n", print_) == []
    assert scan_bytes("a.geojson", b'[[-1.1, 43.35], [-1.66, 43.1]]', print_) == []


# --- the demo region, published -------------------------------------------------------------

def test_the_demo_release_holds_nothing_of_the_restricted_operator(pool_data_dir, tmp_path):
    registry = demo_registry()
    assert any(op.id == RESTRICTED and op.openness == "restricted" for op in registry.operators)
    internal = read_feed_tables(pool_data_dir / "integration" / "internal" / "regional.zip")
    print_ = registry_fingerprint(internal, registry)
    assert f"{RESTRICTED}:" in print_.ids and len(print_.names) >= 5 and len(print_.coordinates) >= 3

    release = publish(PublishContext(pool_data_dir, demo_region(), registry)).release_dir
    files = [path for path in release.rglob("*") if path.is_file()]
    assert len(files) > 20 and any(path.suffix == ".parquet" for path in files)
    leaks = scan_folder(release, print_)
    assert not leaks, "\n".join(map(str, leaks))

    database = tmp_path / "published.db"
    load_release(release, f"sqlite:///{database}")
    assert not scan_bytes("published.db", database.read_bytes(), print_)

    # the same scan on a copy of the release with the internal feed slipped in finds it
    leaky = tmp_path / "leaky"
    shutil.copytree(release, leaky, symlinks=True)
    shutil.copyfile(pool_data_dir / "integration" / "internal" / "regional.zip", leaky / "site" / "gtfs" / "extra.zip")
    found = {(leak.file.split("#")[0], leak.kind) for leak in scan_folder(leaky, print_)}
    assert {("site/gtfs/extra.zip!stops.txt", "id"), ("site/gtfs/extra.zip!stops.txt", "name"),
            ("site/gtfs/extra.zip!stops.txt", "coordinates")} <= found


@pytest.mark.slow
def test_regie_demo_publishes_nothing_of_the_restricted_operator(tmp_path):
    """`regie demo` end to end (collect, gate, integrate, publish, database): the release that
    `latest` points at and the published database, scanned."""
    data = tmp_path / "data"
    result = CliRunner().invoke(main, ["--data-dir", str(data), "--as-of", "2026-03-02", "demo", "--port", "0"])
    assert result.exit_code == 0, result.output
    internal = read_feed_tables(data / "integration" / "internal" / "regional.zip")
    print_ = registry_fingerprint(internal, demo_registry())
    assert f"{RESTRICTED}:" in print_.ids and len(print_.coordinates) >= 3
    release = data / "releases" / "latest"
    assert (release / "site" / "index.html").is_file() and (release / "site" / "gtfs" / "regional.zip").is_file()
    assert len([path for path in release.rglob("*") if path.is_file()]) > 20
    leaks = scan_folder(release, print_)
    assert not leaks, "\n".join(map(str, leaks))
    assert not scan_bytes("published.db", (data / "published.db").read_bytes(), print_)
