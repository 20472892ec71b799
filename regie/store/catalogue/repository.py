"""Reading and writing the catalogue: feed versions and fetches (SQLAlchemy Core, bound parameters)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, Engine, and_, create_engine, event, func, insert, select, update
from sqlalchemy.engine import make_url

from regie.store.catalogue import schema
from regie.store.catalogue.migrations import migrate


class Outcome(StrEnum):
    NEW_VERSION = "new_version"  # content never seen before: archived
    UNCHANGED = "unchanged"  # downloaded, but the content is a known version
    NOT_MODIFIED = "not_modified"  # HTTP 304 to a conditional GET
    SNAPSHOT = "snapshot"  # GBFS / GTFS-RT snapshot kept for the retention window
    FAILED = "failed"

    @property
    def succeeded(self) -> bool:
        return self is not Outcome.FAILED


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything the catalogue stores is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class VersionRecord:
    id: int
    operator_id: str
    feed_id: str
    content_hash: str
    raw_sha256: str
    size_bytes: int
    is_zip: bool
    archive_path: str
    source: str
    url: str
    first_seen_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> VersionRecord:
        data = dict(row._mapping)
        data["is_zip"] = bool(data["is_zip"])
        data["first_seen_at"] = utc(data["first_seen_at"])
        return cls(**data)


@dataclass(frozen=True)
class FetchRecord:
    operator_id: str
    feed_id: str
    kind: str
    source: str
    url: str
    fetched_at: datetime
    outcome: Outcome
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    raw_sha256: str | None = None
    content_hash: str | None = None
    size_bytes: int | None = None
    version_id: int | None = None
    snapshot_path: str | None = None
    attempts: int | None = None
    duration_s: float | None = None
    error: str | None = None
    final_url: str | None = None  # after redirects, secrets hidden
    id: int | None = None

    @classmethod
    def from_row(cls, row: Any) -> FetchRecord:
        data = dict(row._mapping)
        data["outcome"] = Outcome(data["outcome"])
        data["fetched_at"] = utc(data["fetched_at"])
        return cls(**data)


@dataclass(frozen=True)
class FeedStatus:
    """One line of `regie status`: a feed, its latest version and its latest fetch."""

    operator_id: str
    feed_id: str
    kind: str
    versions: int
    latest_version: VersionRecord | None
    latest_fetch: FetchRecord | None
    last_success_at: datetime | None

    def to_dict(self, now: datetime) -> dict[str, Any]:
        version = self.latest_version
        fetch = self.latest_fetch
        return {
            "operator": self.operator_id,
            "feed": self.feed_id,
            "kind": self.kind,
            "versions": self.versions,
            "latest_version": None if version is None else {
                "content_hash": version.content_hash,
                "raw_sha256": version.raw_sha256,
                "size_bytes": version.size_bytes,
                "first_seen_at": version.first_seen_at.isoformat(),
                "age_days": round((now - version.first_seen_at).total_seconds() / 86400, 2),
                "archive_path": version.archive_path,
            },
            "latest_fetch": None if fetch is None else {
                "fetched_at": fetch.fetched_at.isoformat(),
                "outcome": fetch.outcome.value,
                "http_status": fetch.http_status,
                "error": fetch.error,
            },
            "last_success_at": None if self.last_success_at is None else self.last_success_at.isoformat(),
        }


def _inserted_id(result: CursorResult[Any]) -> int:
    """The id of the one row a single-row INSERT just added."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no primary key for the inserted row")
    return int(key[0])


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets its folder created and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class Catalogue:
    """The pool's record of what was fetched and archived, and when."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Catalogue:
        """Connect and migrate to the current schema."""
        engine = make_engine(url)
        migrate(engine)
        return cls(engine)

    def dispose(self) -> None:
        self.engine.dispose()

    # versions -----------------------------------------------------------------------------
    def find_version(self, operator_id: str, feed_id: str, content_hash: str) -> VersionRecord | None:
        table = schema.feed_versions
        query = select(table).where(
            table.c.operator_id == operator_id,
            table.c.feed_id == feed_id,
            table.c.content_hash == content_hash,
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else VersionRecord.from_row(row)

    def add_version(self, **values: Any) -> VersionRecord:
        """Insert a version (operator_id, feed_id, content_hash, raw_sha256, size_bytes, ...)."""
        table = schema.feed_versions
        with self.engine.begin() as connection:
            new_id = _inserted_id(connection.execute(insert(table).values(**values)))
            row = connection.execute(select(table).where(table.c.id == new_id)).one()
        return VersionRecord.from_row(row)

    def versions(self, operator_id: str, feed_id: str | None = None) -> list[VersionRecord]:
        """Every version of an operator's feeds, oldest first."""
        table = schema.feed_versions
        query = select(table).where(table.c.operator_id == operator_id)
        if feed_id is not None:
            query = query.where(table.c.feed_id == feed_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(table.c.first_seen_at, table.c.id)).all()
        return [VersionRecord.from_row(row) for row in rows]

    def latest_version(self, operator_id: str, feed_id: str) -> VersionRecord | None:
        found = self.versions(operator_id, feed_id)
        return found[-1] if found else None

    # fetches ------------------------------------------------------------------------------
    def record_fetch(self, record: FetchRecord) -> FetchRecord:
        values = {key: value for key, value in asdict(record).items() if key != "id"}
        values["outcome"] = record.outcome.value
        with self.engine.begin() as connection:
            new_id = _inserted_id(connection.execute(insert(schema.fetches).values(**values)))
        return FetchRecord(**{**{f.name: getattr(record, f.name) for f in fields(record)}, "id": new_id})

    def fetches(
        self,
        operator_id: str | None = None,
        feed_id: str | None = None,
        *,
        since: datetime | None = None,
        outcome: Outcome | None = None,
    ) -> list[FetchRecord]:
        """Fetches, oldest first, filtered by operator, feed, time and outcome."""
        table = schema.fetches
        conditions = []
        if operator_id is not None:
            conditions.append(table.c.operator_id == operator_id)
        if feed_id is not None:
            conditions.append(table.c.feed_id == feed_id)
        if since is not None:
            conditions.append(table.c.fetched_at >= since)
        if outcome is not None:
            conditions.append(table.c.outcome == outcome.value)
        query = select(table).where(and_(True, *conditions)).order_by(table.c.fetched_at, table.c.id)
        with self.engine.connect() as connection:
            return [FetchRecord.from_row(row) for row in connection.execute(query)]

    def last_good_fetch(self, operator_id: str, feed_id: str, url: str) -> FetchRecord | None:
        """The latest successful fetch of this URL that has validators for a conditional GET."""
        table = schema.fetches
        query = (
            select(table)
            .where(
                table.c.operator_id == operator_id,
                table.c.feed_id == feed_id,
                table.c.url == url,
                table.c.outcome.in_([o.value for o in (Outcome.NEW_VERSION, Outcome.UNCHANGED, Outcome.NOT_MODIFIED)]),
                table.c.version_id.is_not(None),
            )
            .order_by(table.c.fetched_at.desc(), table.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else FetchRecord.from_row(row)

    def version_by_id(self, version_id: int) -> VersionRecord:
        table = schema.feed_versions
        with self.engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.id == version_id)).one()
        return VersionRecord.from_row(row)

    def snapshots_older_than(self, cutoff: datetime) -> list[FetchRecord]:
        table = schema.fetches
        query = select(table).where(
            table.c.outcome == Outcome.SNAPSHOT.value,
            table.c.snapshot_path.is_not(None),
            table.c.fetched_at < cutoff,
        )
        with self.engine.connect() as connection:
            return [FetchRecord.from_row(row) for row in connection.execute(query)]

    def forget_snapshot(self, fetch_id: int) -> None:
        """The snapshot's files were pruned: keep the fetch, drop its path."""
        table = schema.fetches
        with self.engine.begin() as connection:
            connection.execute(update(table).where(table.c.id == fetch_id).values(snapshot_path=None))

    # status -------------------------------------------------------------------------------
    def feed_statuses(self, feeds: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], FeedStatus]:
        """`feed_status` of many feeds ((operator, feed, kind) triples) in four queries, whatever
        their number: `regie status` on a registry of thousands of operators."""
        wanted = {(operator_id, feed_id): kind for operator_id, feed_id, kind in feeds}
        fetch_table, version_table = schema.fetches, schema.feed_versions
        latest_fetch = select(fetch_table, func.row_number().over(
            partition_by=(fetch_table.c.operator_id, fetch_table.c.feed_id),
            order_by=(fetch_table.c.fetched_at.desc(), fetch_table.c.id.desc())).label("rank")).subquery()
        latest_version = select(version_table, func.row_number().over(
            partition_by=(version_table.c.operator_id, version_table.c.feed_id),
            order_by=(version_table.c.first_seen_at.desc(), version_table.c.id.desc())).label("rank")).subquery()
        with self.engine.connect() as connection:
            counts = {(row[0], row[1]): row[2] for row in connection.execute(
                select(version_table.c.operator_id, version_table.c.feed_id, func.count())
                .group_by(version_table.c.operator_id, version_table.c.feed_id))}
            successes = {(row[0], row[1]): utc(row[2]) for row in connection.execute(
                select(fetch_table.c.operator_id, fetch_table.c.feed_id, func.max(fetch_table.c.fetched_at))
                .where(fetch_table.c.outcome != Outcome.FAILED.value)
                .group_by(fetch_table.c.operator_id, fetch_table.c.feed_id))}
            fetch_columns = [latest_fetch.c[column.name] for column in schema.fetches.columns]
            fetches = {(row.operator_id, row.feed_id): FetchRecord.from_row(row) for row in connection.execute(
                select(*fetch_columns).where(latest_fetch.c.rank == 1))}
            version_columns = [latest_version.c[column.name] for column in schema.feed_versions.columns]
            versions = {(row.operator_id, row.feed_id): VersionRecord.from_row(row) for row in connection.execute(
                select(*version_columns).where(latest_version.c.rank == 1))}
        return {key: FeedStatus(operator_id=key[0], feed_id=key[1], kind=kind, versions=counts.get(key, 0),
                                latest_version=versions.get(key), latest_fetch=fetches.get(key),
                                last_success_at=successes.get(key))
                for key, kind in wanted.items()}

    def feed_status(self, operator_id: str, feed_id: str, kind: str) -> FeedStatus:
        fetch_table = schema.fetches
        version_table = schema.feed_versions
        with self.engine.connect() as connection:
            count = connection.execute(
                select(func.count()).select_from(version_table).where(
                    version_table.c.operator_id == operator_id, version_table.c.feed_id == feed_id
                )
            ).scalar_one()
            last_fetch = connection.execute(
                select(fetch_table)
                .where(fetch_table.c.operator_id == operator_id, fetch_table.c.feed_id == feed_id)
                .order_by(fetch_table.c.fetched_at.desc(), fetch_table.c.id.desc())
                .limit(1)
            ).first()
            last_success = connection.execute(
                select(func.max(fetch_table.c.fetched_at)).where(
                    fetch_table.c.operator_id == operator_id,
                    fetch_table.c.feed_id == feed_id,
                    fetch_table.c.outcome != Outcome.FAILED.value,
                )
            ).scalar_one()
        return FeedStatus(
            operator_id=operator_id,
            feed_id=feed_id,
            kind=kind,
            versions=count,
            latest_version=self.latest_version(operator_id, feed_id),
            latest_fetch=None if last_fetch is None else FetchRecord.from_row(last_fetch),
            last_success_at=utc(last_success),
        )
