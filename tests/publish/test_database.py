"""The published database (`regie.publish.database`), on SQLite and on the real PostgreSQL server:
typed tables with keys and indexes, row counts equal to the release's files, departures at a
stop on a date, PostGIS stops and shape lines, and the swap (a failed load leaves the previous
release; a reader during a load sees one complete release or the other)."""

from __future__ import annotations

import csv
import io
import shutil
import threading
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, inspect, text

from regie.publish import database as database_module
from regie.publish.database import LIVE_TABLES, load_release, publish_database_url
from regie.publish.run import PublishContext, publish
from tests.conftest import _postgres_database
from tests.publish.conftest import demo_region, demo_registry

STOPS = [  # id, name, lat, lon, location_type, parent
    ("op:ST", "Central", 43.30000, -1.98000, "1", ""),
    ("op:P1", "Central, bay 1", 43.30010, -1.98010, "0", "op:ST"),
    ("op:S2", "Market", 43.31000, -1.97000, "0", ""),
    ("op:S3", "Harbour", 43.32000, -1.96000, "0", ""),
]


def _csv(header: list[str], rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def small_feed(trips_per_route: int = 2, *, with_frequencies: bool = True) -> dict[str, str]:
    """A small regional feed: parent station, two routes, weekday and Sunday services with
    exceptions, shapes, transfers, frequencies, feed_info, translations, an extension column."""
    stop_rows = [(i, n, f"{la:.5f}", f"{lo:.5f}", t, p) for i, n, la, lo, t, p in STOPS]
    trips, times = [], []
    for route, pattern in (("op:R1", ["op:P1", "op:S2", "op:S3"]), ("op:R2", ["op:S3", "op:S2"])):
        for k in range(trips_per_route):
            service = "op:WK" if k % 2 == 0 else "op:SU"
            trip = f"{route}-t{k}"
            trips.append((route, service, trip, "op:SH1" if route == "op:R1" else "", str(k % 2)))
            for seq, stop in enumerate(pattern, start=1):
                minute = 7 * 60 + k * 10 + seq * 5
                clock = f"{minute // 60 + (24 if k == 1 and route == 'op:R2' else 0)}:{minute % 60:02d}:00"
                times.append((trip, clock, clock, stop, str(seq), "" if seq > 1 else "0"))
    files = {
        "agency.txt": _csv(["agency_id", "agency_name", "agency_url", "agency_timezone"],
                           [("op:AG", "Operator", "https://op.example", "Europe/Madrid")]),
        "stops.txt": _csv(["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"],
                          stop_rows),
        "routes.txt": _csv(["route_id", "agency_id", "route_short_name", "route_long_name", "route_type",
                            "x_extension"], [("op:R1", "op:AG", "1", "Central - Harbour", "3", "a"),
                                             ("op:R2", "op:AG", "2", "Harbour - Market", "3", "b")]),
        "trips.txt": _csv(["route_id", "service_id", "trip_id", "shape_id", "direction_id"], trips),
        "stop_times.txt": _csv(["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence",
                                "pickup_type"], times),
        "calendar.txt": _csv(["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                              "sunday", "start_date", "end_date"],
                             [("op:WK", 1, 1, 1, 1, 1, 0, 0, "20260105", "20260130"),
                              ("op:SU", 0, 0, 0, 0, 0, 0, 1, "20260105", "20260130")]),
        "calendar_dates.txt": _csv(["service_id", "date", "exception_type"],
                                   [("op:WK", "20260106", "2"), ("op:SU", "20260106", "1")]),
        "shapes.txt": _csv(["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"],
                           [("op:SH1", "43.3001", "-1.9801", "1"), ("op:SH1", "43.31", "-1.97", "2"),
                            ("op:SH1", "43.32", "-1.96", "3")]),
        "transfers.txt": _csv(["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"],
                              [("op:P1", "op:S2", "2", "120"), ("op:S2", "op:P1", "2", "")]),
        "feed_info.txt": _csv(["feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date",
                               "feed_end_date", "feed_version"],
                              [("Region", "https://region.example", "es", "20260105", "20260130", "v1")]),
        "translations.txt": _csv(["table_name", "field_name", "language", "translation", "record_id"],
                                 [("stops", "stop_name", "eu", "Erdigunea", "op:ST")]),
    }
    if with_frequencies:
        files["frequencies.txt"] = _csv(["trip_id", "start_time", "end_time", "headway_secs"],
                                        [("op:R1-t0", "06:00:00", "09:00:00", "600")])
    return files


def write_release(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "regional.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    (folder / "SHA256SUMS").write_text("0" * 64 + "  regional.zip\n")
    return folder


def _rows(body: str) -> int:
    return len(body.strip().splitlines()) - 1


def _count(engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # our own table names


def test_row_counts_types_keys_and_indexes(tmp_path, database_url):
    files = small_feed()
    release = write_release(tmp_path / "releases" / "20260105T000000Z", files)
    result = load_release(release, database_url)
    assert result.loaded and result.release_id == "20260105T000000Z" and not result.skipped_tables
    engine = create_engine(database_url)
    try:
        for name, body in files.items():
            table = name.removesuffix(".txt")
            assert result.tables[table] == _rows(body) == _count(engine, table), table
        with engine.connect() as connection:
            st = connection.execute(text(
                "SELECT arrival_time, arrival_time_s, departure_time_s, stop_sequence, pickup_type FROM stop_times "
                "WHERE trip_id = 'op:R2-t1' ORDER BY stop_sequence")).all()
            assert [tuple(row) for row in st] == [("31:15:00", 112500, 112500, 1, 0), ("31:20:00", 112800, 112800, 2, None)]
            lat, lon, kind, parent = connection.execute(text(
                "SELECT stop_lat, stop_lon, location_type, parent_station FROM stops WHERE stop_id = 'op:P1'")).one()
            assert (lat, lon, kind, parent) == (pytest.approx(43.3001), pytest.approx(-1.9801), 1 - 1, "op:ST")
            assert connection.execute(text("SELECT parent_station FROM stops WHERE stop_id = 'op:S2'")).scalar() is None
            released = connection.execute(text("SELECT release_id, checksums_sha256 FROM releases")).one()
            assert released[0] == "20260105T000000Z" and len(released[1]) == 64
            assert connection.execute(text("SELECT min_transfer_time FROM transfers ORDER BY source_row")).scalars() \
                .all() == [120, None]
        inspector = inspect(engine)
        assert inspector.get_pk_constraint("stop_times")["constrained_columns"] == ["trip_id", "stop_sequence"]
        assert inspector.get_pk_constraint("calendar_dates")["constrained_columns"] == ["service_id", "date"]
        foreign = {(tuple(fk["constrained_columns"]), fk["referred_table"]) for fk in inspector.get_foreign_keys("stop_times")}
        assert foreign == {(("trip_id",), "trips"), (("stop_id",), "stops")}
        assert {(tuple(fk["constrained_columns"]), fk["referred_table"]) for fk in inspector.get_foreign_keys("stops")} \
            == {(("parent_station",), "stops")}
        indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes("stop_times")}
        assert ("stop_id", "departure_time_s") in indexed
        assert ("route_id",) in {tuple(ix["column_names"]) for ix in inspector.get_indexes("trips")}
        assert ("date",) in {tuple(ix["column_names"]) for ix in inspector.get_indexes("calendar_dates")}
        columns = {c["name"]: c["type"] for c in inspector.get_columns("calendar")}
        assert "DATE" in str(columns["start_date"]).upper() and "BOOL" in str(columns["monday"]).upper()
        assert "x_extension" not in {c["name"] for c in inspector.get_columns("routes")}
        assert not [name for name in inspector.get_table_names() if "__" in name]  # no staging table left
    finally:
        engine.dispose()


def test_departures_at_a_stop_on_a_date(tmp_path, database_url):
    load_release(write_release(tmp_path / "r1", small_feed(trips_per_route=4)), database_url)
    query = text("""
        SELECT t.trip_id, st.departure_time_s FROM stop_times st JOIN trips t ON t.trip_id = st.trip_id
        WHERE st.stop_id = :stop AND (
            (EXISTS (SELECT 1 FROM calendar c WHERE c.service_id = t.service_id AND :day BETWEEN c.start_date
                     AND c.end_date AND CASE :weekday WHEN 0 THEN c.monday WHEN 1 THEN c.tuesday WHEN 6 THEN c.sunday
                     ELSE c.wednesday END)
             AND NOT EXISTS (SELECT 1 FROM calendar_dates d WHERE d.service_id = t.service_id AND d.date = :day
                             AND d.exception_type = 2))
            OR EXISTS (SELECT 1 FROM calendar_dates d WHERE d.service_id = t.service_id AND d.date = :day
                       AND d.exception_type = 1))
        ORDER BY st.departure_time_s, t.trip_id""")
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            def departures(day: date) -> list[str]:
                params = {"stop": "op:S2", "day": day, "weekday": day.weekday()}
                return [row[0] for row in connection.execute(query, params)]

            assert departures(date(2026, 1, 5)) == ["op:R1-t0", "op:R2-t0", "op:R1-t2", "op:R2-t2"]  # Monday
            sunday = ["op:R1-t1", "op:R1-t3", "op:R2-t3", "op:R2-t1"]  # R2-t1 runs after midnight (31:20)
            assert departures(date(2026, 1, 6)) == sunday  # a Tuesday: weekdays removed, Sunday's added
            assert departures(date(2026, 1, 11)) == sunday
            assert departures(date(2026, 2, 2)) == []  # after the calendars
    finally:
        engine.dispose()


def test_same_release_again_is_a_no_op_and_a_new_one_replaces_it(tmp_path, database_url):
    first = write_release(tmp_path / "releases" / "a", small_feed())
    assert load_release(first, database_url).loaded
    assert not load_release(first, database_url).loaded
    second = write_release(tmp_path / "releases" / "b", small_feed(trips_per_route=3, with_frequencies=False))
    result = load_release(second, database_url)
    assert result.loaded and result.tables["trips"] == 6
    engine = create_engine(database_url)
    try:
        assert _count(engine, "trips") == 6
        tables = set(inspect(engine).get_table_names())
        assert "frequencies" not in tables  # the new release has none: the old table went with its release
        with engine.connect() as connection:
            assert connection.execute(text("SELECT release_id FROM releases ORDER BY loaded_at")).scalars().all() \
                == ["a", "b"]
    finally:
        engine.dispose()


def test_a_failed_load_leaves_the_previous_release(tmp_path, database_url, monkeypatch):
    load_release(write_release(tmp_path / "a", small_feed()), database_url)
    engine = create_engine(database_url)
    before = set(inspect(engine).get_table_names())
    engine.dispose()

    def broken_swap(connection, staged):
        raise RuntimeError("killed before the swap")

    monkeypatch.setattr(database_module, "_swap", broken_swap)
    with pytest.raises(RuntimeError, match="killed"):
        load_release(write_release(tmp_path / "b", small_feed(trips_per_route=5)), database_url)
    engine = create_engine(database_url)
    try:
        assert _count(engine, "trips") == 4
        assert set(inspect(engine).get_table_names()) == before  # no staging table left
        assert {"stops", "stop_times", "releases"} <= before <= {*LIVE_TABLES, "releases", "spatial_ref_sys"}
        with engine.connect() as connection:
            assert connection.execute(text("SELECT release_id FROM releases")).scalars().all() == ["a"]
    finally:
        engine.dispose()


def large_feed(trips: int) -> dict[str, str]:
    """The small feed with `trips` more trips of route 1 (a load that takes a while)."""
    files = small_feed(with_frequencies=False)
    rows = [("op:R1", "op:WK", f"op:big{k}", "op:SH1", "0") for k in range(trips)]
    files["trips.txt"] += "".join(",".join(row) + "\n" for row in rows)
    stops = ["op:P1", "op:S2", "op:S3"] * 4
    files["stop_times.txt"] += "".join(
        f"op:big{k},{6 + seq // 6}:{seq % 6}0:00,{6 + seq // 6}:{seq % 6}0:00,{stop},{seq},\n"
        for k in range(trips) for seq, stop in enumerate(stops, start=1))
    return files


def test_a_reader_during_a_load_sees_one_whole_release(tmp_path, database_url):
    old = small_feed()
    load_release(write_release(tmp_path / "old", old), database_url)
    new = large_feed(12_000)
    expected = {("old", _rows(old["stops.txt"]), _rows(old["stop_times.txt"])),
                ("new", _rows(new["stops.txt"]), _rows(new["stop_times.txt"]))}
    new_release = write_release(tmp_path / "new", new)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            load_release(new_release, database_url)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    loader = threading.Thread(target=load)
    engine = create_engine(database_url, connect_args={"timeout": 30} if database_url.startswith("sqlite") else {})
    seen, during = [], 0
    one_statement = text("SELECT (SELECT release_id FROM releases ORDER BY loaded_at DESC LIMIT 1), "
                         "(SELECT count(*) FROM stops), (SELECT count(*) FROM stop_times)")
    try:
        loader.start()
        while loader.is_alive():
            with engine.connect() as connection:
                seen.append(tuple(connection.execute(one_statement).one()))
            during += 1
        loader.join()
        with engine.connect() as connection:
            seen.append(tuple(connection.execute(one_statement).one()))
    finally:
        loader.join()
        engine.dispose()
    assert not errors, errors
    assert during >= 3  # the reader did read while the release was loading
    assert set(seen) <= expected, set(seen) - expected
    assert seen[0][0] == "old" and seen[-1][0] == "new"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway database on the test server (skipped without one, failing under CI)."""
    yield from _postgres_database()


@pytest.mark.postgres
def test_postgis_stops_near_a_point_and_shape_lines(tmp_path, postgres_url):
    url = postgres_url
    load_release(write_release(tmp_path / "r", small_feed()), url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            near = connection.execute(text(
                "SELECT stop_id FROM stops WHERE ST_DWithin(geom::geography, "
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :metres) ORDER BY stop_id"),
                {"lon": -1.98005, "lat": 43.30005, "metres": 100}).scalars().all()
            assert near == ["op:P1", "op:ST"]
            assert connection.execute(text("SELECT ST_SRID(geom) FROM stops LIMIT 1")).scalar() == 4326
            line = connection.execute(text(
                "SELECT shape_id, ST_NPoints(geom), ST_GeometryType(geom) FROM shape_lines")).one()
            assert tuple(line) == ("op:SH1", 3, "ST_LineString")
            gist = connection.execute(text(
                "SELECT count(*) FROM pg_indexes WHERE tablename IN ('stops', 'shape_lines') "
                "AND indexdef ILIKE '%USING gist (geom)%'")).scalar()
            assert gist == 2
    finally:
        engine.dispose()


def test_default_url_is_sqlite_in_the_data_dir_unless_set(tmp_path):
    assert publish_database_url(tmp_path, env={}) == f"sqlite:///{tmp_path / 'published.db'}"
    assert publish_database_url(tmp_path, env={"REGIE_PUBLISH_DATABASE_URL": "postgresql://x/y"}) == "postgresql://x/y"


def test_the_demo_release_loads_with_the_row_counts_of_its_files(pool_data_dir, database_url):
    release = publish(PublishContext(pool_data_dir, demo_region(), demo_registry())).release_dir
    result = load_release(release, database_url)
    assert result.loaded and result.release_id == release.name
    tables = release / "site" / "tables"
    engine = create_engine(database_url)
    try:
        for parquet in sorted(tables.glob("*.parquet")):
            name = parquet.stem
            if name not in result.tables:
                assert name in result.skipped_tables, name
                continue
            rows = pq.read_metadata(parquet).num_rows
            assert rows == _rows((tables / f"{name}.csv").read_text(encoding="utf-8")) == _count(engine, name), name
        assert {"stops", "stop_times", "trips", "routes", "agency"} <= set(result.tables)
        with engine.connect() as connection:
            assert not connection.execute(text("SELECT count(*) FROM stops WHERE stop_id LIKE 'mugabus:%'")).scalar()
    finally:
        engine.dispose()


def test_a_feed_of_one_agency_without_agency_id(tmp_path):
    files = small_feed()
    files["agency.txt"] = "agency_name,agency_url,agency_timezone\nOperator,https://op.example,Europe/Madrid\n"
    files["routes.txt"] = "route_id,route_short_name,route_type\nop:R1,1,3\nop:R2,2,3\n"
    database = tmp_path / "published.db"
    result = load_release(write_release(tmp_path / "r", files), f"sqlite:///{database}")
    assert result.tables["agency"] == 1 and result.tables["routes"] == 2
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT agency_id, agency_name FROM agency")).one() == ("", "Operator")
            assert connection.execute(text("SELECT count(*) FROM routes WHERE agency_id IS NULL")).scalar() == 2
    finally:
        engine.dispose()


def test_the_release_parquet_and_the_feed_text_load_the_same_rows(pool_data_dir, tmp_path):
    release = publish(PublishContext(pool_data_dir, demo_region(), demo_registry())).release_dir
    from_parquet, from_text = tmp_path / "parquet.db", tmp_path / "text.db"
    load_release(release, f"sqlite:///{from_parquet}")
    bare = write_release(tmp_path / "bare" / release.name, {})  # the feed alone: read from its text
    shutil.copyfile(release / "site" / "gtfs" / "regional.zip", bare / "regional.zip")
    load_release(bare, f"sqlite:///{from_text}")
    for table in ("agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates", "shapes",
                  "transfers", "feed_info"):
        contents = []
        for database in (from_parquet, from_text):
            engine = create_engine(f"sqlite:///{database}")
            with engine.connect() as connection:
                contents.append(sorted(map(tuple, connection.execute(text(f"SELECT * FROM {table}")))))
            engine.dispose()
        assert contents[0] == contents[1], table
        assert contents[0], table
