"""Explicit, ordered schema migrations, recorded in `schema_migrations`.

Each step runs once, in its own transaction. Add a step to MIGRATIONS to change the schema;
never edit a step that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError

from regie.store.catalogue import schema
from regie.store.setup_lock import setup_lock


def _initial(connection: Connection) -> None:
    schema.metadata.create_all(
        connection, tables=[schema.feed_versions, schema.fetches], checkfirst=False
    )


def _validations(connection: Connection) -> None:
    schema.metadata.create_all(
        connection, tables=[schema.validations, schema.findings, schema.applied_waivers], checkfirst=False
    )


def _fees(connection: Connection) -> None:
    schema.fees.create(connection, checkfirst=False)


def _final_url(connection: Connection) -> None:
    columns = {column["name"] for column in inspect(connection).get_columns(schema.fetches.name)}
    if "final_url" not in columns:  # step 1 of a fresh database already builds the latest fetches table
        connection.execute(text("ALTER TABLE fetches ADD COLUMN final_url TEXT"))


def _alerts(connection: Connection) -> None:
    schema.alerts.create(connection, checkfirst=False)


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "feed versions and fetches", _initial),
    (2, "validations, findings and applied waivers", _validations),
    (3, "fee history", _fees),
    (4, "the final URL of every fetch (after redirects)", _final_url),
    (5, "alerts raised by the sensors", _alerts),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def applied_versions(connection: Connection) -> set[int]:
    table = schema.schema_migrations
    return set(connection.execute(select(table.c.version)).scalars())


_LOCK_KEY = 7_311_2024  # PostgreSQL advisory lock that serialises concurrent migrations


def _serialise(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def migrate(engine: Engine, upto: int = SCHEMA_VERSION) -> list[int]:
    """Bring the database to `upto` (default SCHEMA_VERSION); return the versions applied now.

    Safe when several runs start at once: PostgreSQL serialises on an advisory lock, a SQLite
    file on a lock file beside it (`<database>.setup.lock`).
    """
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        with setup_lock(Path(f"{database}.setup.lock")):
            return _migrate(engine, upto)
    try:
        return _migrate(engine, upto)
    except DBAPIError:  # another creator won a race the database did not serialise: see its work
        return _migrate(engine, upto)


def _migrate(engine: Engine, upto: int) -> list[int]:
    with engine.begin() as connection:
        _serialise(connection)
        if not inspect(connection).has_table(schema.schema_migrations.name):
            schema.schema_migrations.create(connection)
    applied_now = []
    for version, name, step in MIGRATIONS:
        if version > upto:
            break
        with engine.begin() as connection:
            _serialise(connection)
            if version in applied_versions(connection):
                continue
            step(connection)
            connection.execute(
                insert(schema.schema_migrations).values(
                    version=version, name=name, applied_at=datetime.now(UTC)
                )
            )
            applied_now.append(version)
    return applied_now
