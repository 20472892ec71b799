"""Load a release's open regional GTFS feed into the published SQL database.

SQLite by default (`data/published.db`), PostgreSQL when REGIE_PUBLISH_DATABASE_URL is set. The
tables (typed columns, keys, indexes: see `regie.publish.db_tables`) are created under staging
names, filled in bulk (executemany on SQLite, COPY on PostgreSQL), indexed, and then swapped for
the live tables, all in one transaction: a reader sees the previous release or the new one,
complete, never a mixture (SQLite runs in WAL mode, so readers are not blocked while a release
loads; on PostgreSQL each statement sees one release: a REPEATABLE READ transaction that began
before the swap may see the new tables in later statements, as for any DDL). On PostgreSQL,
stops carry a PostGIS Point `geom` (SRID 4326) and `shape_lines` holds each shape as a
LineString, both with GiST indexes; foreign keys are added once the rows are in (checked in one
pass rather than row by row during COPY). The `releases` table records each release
loaded: its id, the feed's SHA-256, the SHA-256 of the release's SHA256SUMS, the row counts and
when.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    MetaData,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable, ForeignKeyConstraint

from regie.publish.db_tables import (
    SHAPE_LINES,
    SPEC_BY_NAME,
    SPECS,
    build_tables,
    read_parquet_tables,
    read_text_tables,
    typed_tables,
)

PUBLISH_DATABASE_ENV = "REGIE_PUBLISH_DATABASE_URL"
DEFAULT_DATABASE_FILE = "published.db"
REGIONAL_FEED_NAME = "regional.zip"
CHECKSUMS_FILE = "SHA256SUMS"
TABLES_DIR = "tables"  # the typed Parquet tables, beside the folder of regional.zip
LIVE_TABLES = (*(spec.name for spec in SPECS), SHAPE_LINES)
COPY_CHUNK = 1 << 20
COPY_BATCH = 16384  # rows per CSV batch streamed to COPY
_LOCK_KEY = 0x5E61E  # the advisory lock that serialises loads on one PostgreSQL database

RELEASES = Table(
    "releases", MetaData(),
    Column("release_id", Text, primary_key=True),
    Column("feed_sha256", Text, nullable=False),
    Column("checksums_sha256", Text),
    Column("tables", Text, nullable=False),  # JSON: row count per table
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)


@dataclass
class LoadResult:
    """What `load_release` did. `loaded` is False when the database holds this release already
    (same id and feed hash): nothing was written."""

    release_id: str
    database: str  # the URL, password hidden
    loaded: bool
    feed_sha256: str
    tables: dict[str, int] = field(default_factory=dict)
    skipped_tables: list[str] = field(default_factory=list)  # in the feed, without a table here
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"release_id": self.release_id, "database": self.database, "loaded": self.loaded,
                "feed_sha256": self.feed_sha256, "tables": self.tables,
                "skipped_tables": self.skipped_tables, "seconds": round(self.seconds, 3)}


def publish_database_url(data_dir: Path, env: Mapping[str, str] | None = None) -> str:
    """REGIE_PUBLISH_DATABASE_URL, else SQLite at `<data dir>/published.db`."""
    variables = os.environ if env is None else env
    return variables.get(PUBLISH_DATABASE_ENV) or f"sqlite:///{Path(data_dir) / DEFAULT_DATABASE_FILE}"


def find_regional_feed(release_dir: Path) -> Path:
    """The release's open regional GTFS zip: the one file named regional.zip in it."""
    found = sorted(Path(release_dir).rglob(REGIONAL_FEED_NAME))
    if len(found) != 1:
        raise FileNotFoundError(f"{release_dir}: expected one {REGIONAL_FEED_NAME}, found {len(found)}")
    return found[0]


def load_release(release_dir: Path, database_url: str, *, feed: Path | None = None) -> LoadResult:
    """Load the release's open regional feed (`feed`, else the release's regional.zip) into the
    database, replacing the release loaded before it in one transaction. The release id is the
    release folder's name (a `latest` link is followed). The feed's typed Parquet tables are read
    when the release has them (`tables/` beside the feed's folder, as the publish stage writes
    them), else the feed's text."""
    release_dir = Path(release_dir).resolve()
    feed = feed or find_regional_feed(release_dir)
    checksums = release_dir / CHECKSUMS_FILE
    parquet = feed.parent.parent / TABLES_DIR
    tables = read_parquet_tables(parquet) if list(parquet.glob("*.parquet")) else read_text_tables(feed)
    return load_tables(
        typed_tables(tables), database_url, release_id=release_dir.name, feed_sha256=_sha256(feed),
        checksums_sha256=_sha256(checksums) if checksums.is_file() else None,
        skipped_tables=sorted(set(tables) - set(SPEC_BY_NAME)))


def load_tables(typed: dict[str, pa.Table], database_url: str, *, release_id: str, feed_sha256: str,
                checksums_sha256: str | None = None, skipped_tables: list[str] | None = None) -> LoadResult:
    """Load typed tables (`regie.publish.db_tables.typed_tables`) as the live release."""
    started = time.perf_counter()
    engine = publish_engine(database_url)
    result = LoadResult(release_id, engine.url.render_as_string(hide_password=True), False, feed_sha256,
                        skipped_tables=list(skipped_tables or []))
    try:
        with engine.begin() as connection:
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            RELEASES.create(connection, checkfirst=True)
            if _latest_release(connection) == (release_id, feed_sha256):
                return result
            result.tables = _load_staged(connection, typed, postgis=postgres)
            connection.execute(RELEASES.delete().where(RELEASES.c.release_id == release_id))
            connection.execute(RELEASES.insert().values(
                release_id=release_id, feed_sha256=feed_sha256, checksums_sha256=checksums_sha256,
                tables=json.dumps(result.tables, sort_keys=True), loaded_at=datetime.now(UTC)))
        result.loaded = True
    finally:
        engine.dispose()
        result.seconds = time.perf_counter() - started
    return result


def publish_engine(database_url: str) -> Engine:
    """An engine for loading: psycopg (3) on PostgreSQL; on SQLite, WAL mode and transactions
    that begin at BEGIN IMMEDIATE, so DDL is inside them (pysqlite would autocommit it)."""
    url = make_url(database_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() != "sqlite":
        return create_engine(url)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # BEGIN is ours (below)
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _latest_release(connection: Connection) -> tuple[str, str] | None:
    row = connection.execute(select(RELEASES.c.release_id, RELEASES.c.feed_sha256)
                             .order_by(RELEASES.c.loaded_at.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def _load_staged(connection: Connection, typed: dict[str, pa.Table], *, postgis: bool) -> dict[str, int]:
    """Create, fill and index the staging tables, then drop the live tables and rename the
    staging ones to their names. Row counts per table."""
    token = secrets.token_hex(4)
    tables = build_tables(MetaData(), list(typed), token, postgis=postgis)
    for name, table in tables.items():
        connection.execute(CreateTable(table, include_foreign_key_constraints=[] if postgis else None))
        if name in typed:
            _bulk_insert(connection, table, typed[name])
    if SHAPE_LINES in tables:
        _fill_shape_lines(connection, tables[SHAPE_LINES], tables["shapes"])
    for table in tables.values():
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            connection.execute(CreateIndex(index))
    if postgis:  # checked once over the loaded rows rather than row by row during COPY
        for table in tables.values():
            for constraint in table.constraints:
                if isinstance(constraint, ForeignKeyConstraint):
                    connection.execute(AddConstraint(constraint))
    _swap(connection, {name: table.name for name, table in tables.items()})
    return {name: typed[name].num_rows for name in typed}


def _bulk_insert(connection: Connection, table: Table, data: pa.Table) -> None:
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in data.column_names)
    if connection.dialect.name == "postgresql":
        copy_csv(connection.connection.driver_connection, f"COPY {quote(table.name)} ({columns}) FROM STDIN "
                 "(FORMAT csv)", data)
        return
    marks = ", ".join("?" * data.num_columns)
    cursor = connection.connection.cursor()
    try:
        statement = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"
        cursor.executemany(statement, python_rows(data))  # type: ignore[arg-type]  # sqlite3 takes any iterable
    finally:
        cursor.close()


def csv_bytes(data: pa.Table) -> bytes:
    """The rows as CSV without a header, text quoted and NULL unquoted-empty (COPY's csv format)."""
    sink = io.BytesIO()
    pacsv.write_csv(data, sink, pacsv.WriteOptions(include_header=False))
    return sink.getvalue()


def copy_csv(driver_connection: Any, statement: str, data: bytes | pa.Table) -> None:
    """Stream CSV to a COPY ... FROM STDIN (FORMAT csv) statement on a psycopg connection: bytes,
    or a table written as CSV batch by batch while the server takes in the batches before."""
    import psycopg  # lazy: PostgreSQL only (the optional `postgres` extra); SQLite needs no driver

    if not isinstance(driver_connection, psycopg.Connection):
        raise TypeError("COPY needs psycopg 3: use a postgresql+psycopg:// URL")
    with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        if isinstance(data, pa.Table):
            pacsv.write_csv(data, _CopySink(copy), pacsv.WriteOptions(include_header=False, batch_size=COPY_BATCH))
            return
        view = memoryview(data)
        for start in range(0, len(view), COPY_CHUNK):
            copy.write(view[start:start + COPY_CHUNK])


class _CopySink(io.RawIOBase):
    """A file that pyarrow's CSV writer writes to and COPY reads from."""

    def __init__(self, copy: Any) -> None:
        self.copy = copy

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.copy.write(data)
        return len(data)


def python_rows(data: pa.Table) -> Iterator[tuple[Any, ...]]:
    """The rows as tuples of Python values for sqlite3: dates as ISO text (how SQLAlchemy keeps
    a DATE on SQLite), booleans as 0/1, NULL as None."""
    columns = []
    for values in data.columns:
        if pa.types.is_date(values.type):
            values = values.cast(pa.string())
        elif pa.types.is_boolean(values.type):
            values = values.cast(pa.int8())
        if values.null_count == len(values):
            columns.append([None] * len(values))
        elif pa.types.is_string(values.type):
            columns.append(_text_values(values))
        elif values.null_count:  # through numpy too, NULLs put back as None
            objects = np.asarray(values.fill_null(0).to_numpy(), dtype=object)
            objects[values.is_null().to_numpy(zero_copy_only=False)] = None
            columns.append(objects.tolist())
        else:  # through numpy: much faster than to_pylist
            columns.append(values.to_numpy().tolist())
    return zip(*columns, strict=True)


def _text_values(values: pa.ChunkedArray) -> list[Any]:
    """Text as Python strings, each distinct value made once (NULL as None)."""
    encoded = pc.dictionary_encode(values.combine_chunks())
    distinct = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
    return distinct[pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy()].tolist()


def _fill_shape_lines(connection: Connection, lines: Table, shapes: Table) -> None:
    quote = connection.dialect.identifier_preparer.quote
    connection.execute(text(  # names are generated staging names, not input
        f"INSERT INTO {quote(lines.name)} (shape_id, geom) "
        "SELECT shape_id, ST_SetSRID(ST_MakeLine(ST_MakePoint(shape_pt_lon, shape_pt_lat) "
        f"ORDER BY shape_pt_sequence), 4326) FROM {quote(shapes.name)} "
        "WHERE shape_pt_lat IS NOT NULL AND shape_pt_lon IS NOT NULL GROUP BY shape_id HAVING count(*) > 1"))


def _swap(connection: Connection, staged: dict[str, str]) -> None:
    """Drop every live GTFS table (also those the new release lacks), rename the staged ones."""
    quote = connection.dialect.identifier_preparer.quote
    existing = set(inspect(connection).get_table_names())
    live = [name for name in LIVE_TABLES if name in existing]
    if live and connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP TABLE {', '.join(quote(name) for name in live)}"))
    else:
        for name in reversed(live):  # referencing tables first
            connection.execute(text(f"DROP TABLE {quote(name)}"))
    for name, staged_name in staged.items():
        connection.execute(text(f"ALTER TABLE {quote(staged_name)} RENAME TO {quote(name)}"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
