"""Publish benchmark: `python -m bench publish [--feed ZIP] [--postgres URL] [--repeat N]`, on HART
by default (shared/data/feeds/large/hart_2020-11-15.zip).

- P (`pyarrow_read_s`): best of 3 warm, in-process pyarrow.csv reads of every `.txt`;
- `release_files_s`: the release's files built from the feed by the publish stage's own functions
  (the zip copied in, typed Parquet and CSV of every table, GeoJSON of stops and routes,
  SHA256SUMS);
- `sqlite_s` / `postgres_s`: `regie.publish.database.load_release` of that release into a fresh
  database (reading its Parquet tables, typing, staging, indexes, foreign keys, PostGIS
  geometries, swap);
- the floors, a raw load of the same typed rows (prepared beforehand, not timed) into the same
  tables with the same indexes and constraints: `sqlite_raw_s` with sqlite3's executemany,
  `postgres_raw_s` with psycopg's COPY.

PostgreSQL: `--postgres` or REGIE_TEST_POSTGRES_URL (a server where databases can be created;
each run gets a fresh one, dropped after); the postgres figures are null without one. Goals:
release_files_s <= 8 P, each load <= 1.5 x its floor.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable, ForeignKeyConstraint

from bench.common import best_of, feeds_dir, read_all_tables
from regie.publish.database import csv_bytes, load_release, python_rows
from regie.publish.db_tables import SHAPE_LINES, build_tables, read_parquet_tables, typed_tables
from regie.publish.geojson import routes_geojson, stops_geojson, write_geojson
from regie.publish.release import CHECKSUMS, PUBLIC_DIR, checksum_lines
from regie.publish.tables import write_feed_tables

HART = Path("large") / "hart_2020-11-15.zip"
RELEASE_ID = "bench-release"


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench publish")
    parser.add_argument("--feed", type=Path, help="a GTFS zip (default: HART)")
    parser.add_argument("--postgres", help="SQLAlchemy URL of a PostgreSQL server (default: REGIE_TEST_POSTGRES_URL)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timed step (best kept)")
    args = parser.parse_args(argv or [])
    feed = args.feed or feeds_dir() / HART
    server = args.postgres or os.environ.get("REGIE_TEST_POSTGRES_URL")
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as scratch:
        work = Path(scratch)
        read_all_tables(feed)  # warm
        read_s = best_of(3, lambda: read_all_tables(feed))
        release = work / "releases" / RELEASE_ID
        files_s = best_of(args.repeat, lambda: build_release_files(feed, release),
                          setup=lambda: shutil.rmtree(release, ignore_errors=True))
        typed = typed_tables(read_parquet_tables(release / "site" / "tables"))
        database = work / "published.db"

        def remove_sqlite() -> None:
            for suffix in ("", "-wal", "-shm"):
                database.with_name(database.name + suffix).unlink(missing_ok=True)

        rows = {name: list(python_rows(table)) for name, table in typed.items()}
        sqlite_s, sqlite_raw_s = interleaved(
            args.repeat, lambda: load_release(release, f"sqlite:///{database}"),
            lambda: raw_sqlite(database, typed, rows), setup=remove_sqlite)
        postgres_s = postgres_raw_s = None
        if server:
            payloads = {name: csv_bytes(table) for name, table in typed.items()}
            with fresh_databases(server) as fresh:
                postgres_s, postgres_raw_s = interleaved(
                    args.repeat, lambda: load_release(release, fresh.url),
                    lambda: raw_postgres(fresh.url, typed, payloads), setup=fresh.next)
    return {
        "feed": feed.name, "rows": {name: table.num_rows for name, table in typed.items()},
        "pyarrow_read_s": round(read_s, 4), "release_files_s": round(files_s, 4),
        "sqlite_s": round(sqlite_s, 4), "sqlite_raw_s": round(sqlite_raw_s, 4),
        "postgres_s": _round(postgres_s), "postgres_raw_s": _round(postgres_raw_s),
        "release_files_over_p": round(files_s / read_s, 2), "release_files_goal": 8.0,
        "sqlite_over_raw": round(sqlite_s / sqlite_raw_s, 2),
        "postgres_over_raw": round(postgres_s / postgres_raw_s, 2) if postgres_s and postgres_raw_s else None,
        "database_goal": 1.5,
    }


def interleaved(repeat: int, load: Callable[[], object], floor: Callable[[], object],
                setup: Callable[[], object]) -> tuple[float, float]:
    """Best times of a load and of its floor, run in turns (a busy machine slows both alike)."""
    times = [float("inf"), float("inf")]
    for _ in range(repeat):
        for position, action in enumerate((load, floor)):
            times[position] = min(times[position], best_of(1, action, setup=setup))
    return times[0], times[1]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def build_release_files(feed: Path, folder: Path) -> None:
    """What a release holds for one feed, laid out as the publish stage lays it out: the zip,
    typed Parquet and CSV tables, GeoJSON, checksums."""
    site = folder / PUBLIC_DIR
    (site / "gtfs").mkdir(parents=True)
    shutil.copyfile(feed, site / "gtfs" / "regional.zip")
    tables = site / "tables"
    write_feed_tables(feed, tables)
    write_geojson(stops_geojson(tables), site / "geojson" / "stops.geojson")
    write_geojson(routes_geojson(tables), site / "geojson" / "routes.geojson")
    (folder / CHECKSUMS).write_text("\n".join(checksum_lines(folder)) + "\n", encoding="utf-8")


def raw_sqlite(path: Path, typed: dict, rows: dict[str, list[tuple]]) -> None:
    """The floor: the same tables and indexes, rows already Python tuples, sqlite3 executemany."""
    tables = build_tables(MetaData(), list(typed), "raw", postgis=False)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("BEGIN IMMEDIATE")
        for name, table in tables.items():
            connection.execute(str(CreateTable(table).compile(dialect=sqlite.dialect())))
            marks = ", ".join("?" * typed[name].num_columns)
            connection.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', rows[name])
        for table in tables.values():
            for index in table.indexes:
                connection.execute(str(CreateIndex(index).compile(dialect=sqlite.dialect())))
        connection.execute("COMMIT")
    finally:
        connection.close()


def raw_postgres(url: str, typed: dict, payloads: dict[str, bytes]) -> None:
    """The floor: the same tables (PostGIS columns and shape lines included), indexes and foreign
    keys (added after the rows, as any bulk load does), the rows already CSV, psycopg COPY."""
    dialect = postgresql.dialect()
    tables = build_tables(MetaData(), list(typed), "raw", postgis=True)
    with psycopg.connect(_libpq(url)) as connection:
        for name, table in tables.items():
            connection.execute(str(CreateTable(table, include_foreign_key_constraints=[]).compile(dialect=dialect)))
            if name in payloads:
                columns = ", ".join(typed[name].column_names)
                with connection.cursor().copy(f'COPY "{table.name}" ({columns}) FROM STDIN (FORMAT csv)') as copy:
                    copy.write(payloads[name])
        if SHAPE_LINES in tables:
            connection.execute(
                f'INSERT INTO "{tables[SHAPE_LINES].name}" SELECT shape_id, ST_SetSRID(ST_MakeLine('
                "ST_MakePoint(shape_pt_lon, shape_pt_lat) ORDER BY shape_pt_sequence), 4326) "
                f'FROM "{tables["shapes"].name}" GROUP BY shape_id HAVING count(*) > 1')
        for table in tables.values():
            for index in table.indexes:
                connection.execute(str(CreateIndex(index).compile(dialect=dialect)))
        for table in tables.values():  # the same constraints, added after the rows as the loader does
            for constraint in table.constraints:
                if isinstance(constraint, ForeignKeyConstraint):
                    connection.execute(str(AddConstraint(constraint).compile(dialect=dialect)))


class _FreshDatabases:
    """A new PostgreSQL database (with PostGIS) for each timed run, on one server."""

    def __init__(self, server: str) -> None:
        self.admin = create_engine(server, isolation_level="AUTOCOMMIT")
        self.server = server
        self.names: list[str] = []
        self.url = ""

    def next(self) -> None:
        name = f"regie_bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))  # generated name, not input
        self.names.append(name)
        self.url = make_url(self.server).set(database=name).render_as_string(hide_password=False)
        with psycopg.connect(_libpq(self.url), autocommit=True) as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def drop_all(self) -> None:
        with self.admin.connect() as connection:
            for name in self.names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@contextmanager
def fresh_databases(server: str) -> Iterator[_FreshDatabases]:
    fresh = _FreshDatabases(server)
    try:
        yield fresh
    finally:
        fresh.drop_all()


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
