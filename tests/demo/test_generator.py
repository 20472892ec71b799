"""The demo region generator: determinism, GTFS/GBFS validity, realism, scale and defects."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import gtfs_kit as gk
import numpy as np
import pandas as pd
import pytest
import yaml

from regie.demo import INTERCHANGES, MUGABUS_DEFECTS, WALK_LINKS, generate_demo_region
from regie.demo.__main__ import main as cli_main
from regie.demo.geometry import nearest_neighbour_m
from regie.gtfs.geo import haversine_m
from regie.gtfs.zip_writer import write_gtfs_zip

ROOT = Path(__file__).resolve().parents[2]
START = date(2026, 1, 5)
GBFS_URL = "http://127.0.0.1:9999/feeds"
GTFS_OPERATORS = ("kosta-rail", "hiribus", "mugabus", "txingudi-ferry")
CLEAN = ("kosta-rail", "hiribus", "txingudi-ferry")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    out = tmp_path_factory.mktemp("region")
    manifest = generate_demo_region(out, start=START, gbfs_base_url=GBFS_URL)
    return out, manifest


@pytest.fixture(scope="module")
def feeds(region):
    out, _ = region
    return {op: gk.read_feed(out / f"{op}.zip", dist_units="m") for op in GTFS_OPERATORS}


@pytest.fixture(scope="module")
def bbox():
    box = yaml.safe_load((ROOT / "configs" / "region.yaml").read_text())["bbox"]
    return box


def _secs(times: pd.Series) -> np.ndarray:
    parts = times.astype(str).str.split(":", expand=True).astype(int)
    return (parts[0] * 3600 + parts[1] * 60 + parts[2]).to_numpy()


def _inside(lat, lon, box) -> bool:
    return box["min_lat"] <= lat <= box["max_lat"] and box["min_lon"] <= lon <= box["max_lon"]


# --- files and determinism --------------------------------------------------------------------

def test_writes_every_feed_the_registry_points_at(region):
    out, manifest = region
    registry = yaml.safe_load((ROOT / "configs" / "operators.yaml").read_text())
    urls = [feed["url"] for op in registry["operators"] for feed in op["feeds"]]
    names = {re.sub(r"^\$\{[^}]*\}/", "", url) for url in urls}
    assert names == {"kosta-rail.zip", "hiribus.zip", "mugabus.zip", "txingudi-ferry.zip",
                     "bizi/gbfs.json"}
    for name in names:
        assert (out / name).is_file(), name
    written = {f.path.relative_to(out).as_posix() for f in manifest.files}
    assert written == set(_files(out))
    assert not [p for p in out.rglob("*.tmp")]


def test_same_inputs_give_identical_bytes(region, tmp_path):
    out, manifest = region
    again = generate_demo_region(tmp_path / "again", start=START, gbfs_base_url=GBFS_URL)
    assert _files(tmp_path / "again") == _files(out)
    assert [f.sha256 for f in again.files] == [f.sha256 for f in manifest.files]
    assert again.counts == manifest.counts


def test_seed_and_start_change_the_bytes(region, tmp_path):
    out, _ = region
    base = _files(out)
    other_seed = _files(generate_demo_region(tmp_path / "s", start=START, seed=8,
                                             gbfs_base_url=GBFS_URL).out_dir)
    other_start = _files(generate_demo_region(tmp_path / "d", start=START + timedelta(days=1),
                                              gbfs_base_url=GBFS_URL).out_dir)
    seeded = [f"{op}.zip" for op in GTFS_OPERATORS] + ["bizi/station_information.json",
                                                        "bizi/station_status.json"]
    for name in seeded:
        assert other_seed[name] != base[name], name
    for name in base:
        assert other_start[name] != base[name], name


def test_zip_members_are_sorted_with_fixed_metadata(region):
    out, _ = region
    for op in GTFS_OPERATORS:
        with zipfile.ZipFile(out / f"{op}.zip") as zf:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            assert names == sorted(names)
            for info in infos:
                assert info.date_time == (1980, 1, 1, 0, 0, 0)
                assert info.external_attr == 0o644 << 16
                assert info.compress_type == zipfile.ZIP_DEFLATED
            assert b"\r\n" not in zf.read("stops.txt")


def test_write_gtfs_zip_is_deterministic_and_formats_csv(tmp_path):
    tables = {
        "stops": [{"stop_id": "A", "stop_name": 'Gare "Centre", quai 1', "stop_lat": 43.1234567,
                   "stop_lon": -1.5, "location_type": 0}],
        "agency": pd.DataFrame([{"agency_timezone": "Europe/Paris", "agency_id": "X",
                                 "agency_name": "Ç", "agency_url": "https://x.example"}]),
        "notes.txt": b"raw member",
    }
    write_gtfs_zip(tmp_path / "a.zip", tables)
    write_gtfs_zip(tmp_path / "b.zip", tables)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "b.zip"]
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert zf.namelist() == ["agency.txt", "notes.txt", "stops.txt"]
        assert zf.read("stops.txt").decode() == (
            "stop_id,stop_name,stop_lat,stop_lon,location_type\n"
            'A,"Gare ""Centre"", quai 1",43.123457,-1.500000,0\n')
        assert zf.read("agency.txt").decode().splitlines()[0] == (
            "agency_id,agency_name,agency_url,agency_timezone")


def test_cli_writes_the_region(tmp_path, capsys):
    assert cli_main([str(tmp_path / "cli"), "--start", "2026-03-02", "--seed", "3"]) == 0
    assert (tmp_path / "cli" / "hiribus.zip").is_file()
    assert "hiribus" in capsys.readouterr().out


# --- GTFS validity and realism ----------------------------------------------------------------

def _reference_problems(feed) -> dict[str, set]:
    services = set(feed.calendar.service_id) | set(feed.calendar_dates.service_id)
    return {
        "stop_times.stop_id": set(feed.stop_times.stop_id) - set(feed.stops.stop_id),
        "stop_times.trip_id": set(feed.stop_times.trip_id) ^ set(feed.trips.trip_id),
        "trips.route_id": set(feed.trips.route_id) - set(feed.routes.route_id),
        "trips.service_id": set(feed.trips.service_id) - services,
        "trips.shape_id": set(feed.trips.shape_id) - set(feed.shapes.shape_id),
        "routes.agency_id": set(feed.routes.agency_id) - set(feed.agency.agency_id),
        "stops.parent_station": set(feed.stops.get("parent_station", pd.Series()).dropna())
        - set(feed.stops.stop_id),
    }


@pytest.mark.parametrize("operator", CLEAN)
def test_clean_feeds_have_consistent_references(feeds, operator):
    feed = feeds[operator]
    assert {k: v for k, v in _reference_problems(feed).items() if v} == {}
    assert feed.trips.shape_id.notna().all()
    assert feed.trips.direction_id.isin([0, 1]).all() and feed.trips.trip_headsign.notna().all()


def test_mugabus_references_break_only_where_documented(feeds):
    from regie.demo.defects import UNKNOWN_SERVICE_TRIP

    problems = {k: v for k, v in _reference_problems(feeds["mugabus"]).items() if v}
    trips = feeds["mugabus"].trips
    unknown = set(trips.loc[trips.trip_id == UNKNOWN_SERVICE_TRIP, "service_id"])
    assert problems == {"trips.service_id": unknown}


@pytest.mark.parametrize("operator", GTFS_OPERATORS)
def test_calendar_and_feed_info_cover_365_days(feeds, operator):
    feed = feeds[operator]
    first, last = START.strftime("%Y%m%d"), (START + timedelta(days=364)).strftime("%Y%m%d")
    assert set(feed.calendar.start_date) == {first} and set(feed.calendar.end_date) == {last}
    info = feed.feed_info.iloc[0]
    assert (info.feed_start_date, info.feed_end_date) == (first, last)
    assert info.feed_version and info.feed_publisher_name
    dates = feed.calendar_dates
    assert dates.date.between(first, last).all() and set(dates.exception_type) <= {1, 2}
    # Christmas is a weekday holiday in 2026: the weekday service is removed
    assert ((dates.date == "20261225") & (dates.exception_type == 2)).any()


@pytest.mark.parametrize("operator", GTFS_OPERATORS)
def test_shapes_and_stop_times_are_in_metres_and_ordered(feeds, operator):
    feed = feeds[operator]
    shapes = feed.shapes.sort_values(["shape_id", "shape_pt_sequence"])
    assert (shapes.groupby("shape_id").shape_dist_traveled.diff().dropna() > 0).all()
    st = feed.stop_times.sort_values(["trip_id", "stop_sequence"])
    if operator != "mugabus":  # mugabus has documented time defects
        arr, dep = _secs(st.arrival_time), _secs(st.departure_time)
        assert (dep >= arr).all()
        same_trip = st.trip_id.to_numpy()[1:] == st.trip_id.to_numpy()[:-1]
        assert (arr[1:][same_trip] >= dep[:-1][same_trip]).all()
    end = st.groupby("trip_id").shape_dist_traveled.max()
    length = feed.shapes.groupby("shape_id").shape_dist_traveled.max()
    trip_len = length.reindex(feed.trips.set_index("trip_id").shape_id.loc[end.index]).to_numpy()
    assert np.allclose(end.to_numpy(), trip_len, atol=0.5)


@pytest.mark.parametrize(("operator", "low", "high"), [
    ("kosta-rail", 45, 75), ("hiribus", 12, 24), ("mugabus", 35, 60), ("txingudi-ferry", 7, 14),
])
def test_average_speeds_are_realistic(feeds, operator, low, high):
    st = feeds[operator].stop_times.assign(t=lambda d: _secs(d.departure_time))
    trips = st.groupby("trip_id").agg(t0=("t", "min"), t1=("t", "max"),
                                      d=("shape_dist_traveled", "max"))
    kmh = float((trips.d / (trips.t1 - trips.t0) * 3.6).median())
    assert low <= kmh <= high


@pytest.mark.parametrize("operator", ["kosta-rail", "hiribus"])
def test_a_late_trip_runs_past_midnight(feeds, operator):
    assert (_secs(feeds[operator].stop_times.arrival_time) >= 24 * 3600).any()


def test_rail_parent_stations_have_platforms(feeds):
    stops = feeds["kosta-rail"].stops
    parents = stops[stops.location_type == 1]
    children = stops[stops.parent_station.notna()]
    assert len(parents) >= 10
    assert set(children.parent_station) == set(parents.stop_id)
    platforms = children[children.location_type == 0]
    d = haversine_m(platforms.stop_lat, platforms.stop_lon,
                    stops.set_index("stop_id").loc[platforms.parent_station, "stop_lat"],
                    stops.set_index("stop_id").loc[platforms.parent_station, "stop_lon"])
    assert (d < 50).all()
    used = set(feeds["kosta-rail"].stop_times.stop_id)
    assert used <= set(platforms.stop_id)


def test_stop_names_are_multilingual_utf8(region):
    out, _ = region
    with zipfile.ZipFile(out / "kosta-rail.zip") as zf:
        text = zf.read("stops.txt").decode("utf-8")
    assert "Guéthary" in text and "Donostia / San Sebastián" in text
    with zipfile.ZipFile(out / "hiribus.zip") as zf:
        translations = pd.read_csv(zf.open("translations.txt"))
    assert (translations.language == "es").all() and "Estación de Amara" in set(
        translations.translation)


# --- interchanges -----------------------------------------------------------------------------

def _positions(feeds, region) -> dict[tuple[str, str], tuple[float, float]]:
    out, _ = region
    where = {}
    for op, feed in feeds.items():
        for row in feed.stops.itertuples():
            where[op, row.stop_id] = (row.stop_lat, row.stop_lon)
    info = json.loads((out / "bizi" / "station_information.json").read_text())
    for s in info["data"]["stations"]:
        where["bizi", s["station_id"]] = (s["lat"], s["lon"])
    return where


@pytest.mark.parametrize(("links", "low", "high"), [(INTERCHANGES, 5, 100), (WALK_LINKS, 150, 600)])
def test_interchange_stops_are_close_across_operators(feeds, region, links, low, high):
    where = _positions(feeds, region)
    assert links
    for name, a, b in links:
        assert a[0] != b[0], name
        distance = float(haversine_m(*where[a], *where[b]))
        assert low <= distance <= high, (name, distance)


# --- GBFS -------------------------------------------------------------------------------------

def test_gbfs_is_a_valid_2_3_system(region, bbox):
    out, _ = region
    docs = {p.stem: json.loads(p.read_text(encoding="utf-8"))
            for p in (out / "bizi").glob("*.json")}
    assert set(docs) == {"gbfs", "system_information", "station_information", "station_status"}
    for name, doc in docs.items():
        assert doc["version"] == "2.3", name
        assert isinstance(doc["ttl"], int) and isinstance(doc["last_updated"], int)
        assert isinstance(doc["data"], dict)
    assert len({doc["last_updated"] for doc in docs.values()}) == 1
    (language, listing), = docs["gbfs"]["data"].items()
    assert language == docs["system_information"]["data"]["language"]
    assert {f["name"]: f["url"] for f in listing["feeds"]} == {
        name: f"{GBFS_URL}/bizi/{name}.json"
        for name in ("system_information", "station_information", "station_status")}
    info, status = docs["station_information"]["data"], docs["station_status"]["data"]
    assert isinstance(info["stations"], list) and len(info["stations"]) >= 10
    ids = [s["station_id"] for s in info["stations"]]
    assert ids == [s["station_id"] for s in status["stations"]]
    for s in info["stations"]:
        assert _inside(s["lat"], s["lon"], bbox) and s["capacity"] > 0
    for s, i in zip(status["stations"], info["stations"]):
        assert s["num_bikes_available"] + s["num_docks_available"] <= i["capacity"]
    lats = [s["lat"] for s in info["stations"]]
    lons = [s["lon"] for s in info["stations"]]
    assert nearest_neighbour_m(lats, lons).min() > 100


# --- scale ------------------------------------------------------------------------------------

def test_scale_grows_the_network_at_constant_density(region, feeds, tmp_path):
    _, small = region
    big = generate_demo_region(tmp_path / "x4", start=START, scale=4, gbfs_base_url=GBFS_URL)
    ratio = big.counts["hiribus"].stops / small.counts["hiribus"].stops
    assert 3.6 <= ratio <= 4.4
    for op in ("kosta-rail", "mugabus", "txingudi-ferry"):  # only the city network grows
        assert big.counts[op].stops == small.counts[op].stops
    assert big.counts["hiribus"].stop_times > 3.5 * small.counts["hiribus"].stop_times
    stops_4 = gk.read_feed(big.out_dir / "hiribus.zip", dist_units="m").stops
    stops_1 = feeds["hiribus"].stops
    nn_1 = np.median(nearest_neighbour_m(stops_1.stop_lat, stops_1.stop_lon))
    nn_4 = np.median(nearest_neighbour_m(stops_4.stop_lat, stops_4.stop_lon))
    assert 250 <= nn_1 <= 500
    assert abs(nn_4 / nn_1 - 1) <= 0.25
    assert nearest_neighbour_m(stops_4.stop_lat, stops_4.stop_lon).min() > 40
    assert stops_4.stop_id.is_unique


# --- documented defects -----------------------------------------------------------------------

def test_every_documented_mugabus_defect_is_present(region, feeds, bbox):
    out, _ = region
    feed = feeds["mugabus"]
    stops = feed.stops.set_index("stop_id")
    st = feed.stop_times.set_index(["trip_id", "stop_sequence"])
    services = set(feed.calendar.service_id) | set(feed.calendar_dates.service_id)
    with zipfile.ZipFile(out / "mugabus.zip") as zf:
        members = set(zf.namelist())

    def swapped(stop_id):
        parent = stops.loc[stop_id]
        children = stops[stops.parent_station == stop_id]
        return (parent.location_type == 1 and not _inside(parent.stop_lat, parent.stop_lon, bbox)
                and _inside(parent.stop_lon, parent.stop_lat, bbox) and len(children) > 0
                and all(_inside(r.stop_lat, r.stop_lon, bbox) for r in children.itertuples()))

    def far(stop_id):
        lat, lon = stops.loc[stop_id, ["stop_lat", "stop_lon"]]
        used = set(st.reset_index().stop_id)
        return haversine_m(lat, lon, 43.375, -1.75) > 500_000 and stop_id in used

    def arrival_after_departure(trip_id):
        row = st.loc[(trip_id, 3)]
        return _secs(pd.Series([row.arrival_time]))[0] > _secs(pd.Series([row.departure_time]))[0]

    def backwards(trip_id):
        prev, row = st.loc[(trip_id, 2)], st.loc[(trip_id, 3)]
        return _secs(pd.Series([row.arrival_time]))[0] < _secs(pd.Series([prev.departure_time]))[0]

    def unknown_service(trip_id):
        return feed.trips.set_index("trip_id").loc[trip_id, "service_id"] not in services

    def same_names(route_id):
        route = feed.routes.set_index("route_id").loc[route_id]
        return route.route_short_name == route.route_long_name

    checks = {
        "parent_station_coordinates_swapped": swapped,
        "stop_too_far_from_region": far,
        "stop_time_arrival_after_departure": arrival_after_departure,
        "stop_time_decreasing": backwards,
        "trip_service_id_unknown": unknown_service,
        "route_short_name_equals_long_name": same_names,
        "junk_file": lambda member: member in members,
    }
    assert {d.code for d in MUGABUS_DEFECTS} == set(checks)
    for defect in MUGABUS_DEFECTS:
        assert defect.file in members, defect
        assert checks[defect.code](defect.key[1]), defect
