"""The catalogue database, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from regie.store.catalogue import SCHEMA_VERSION, Catalogue, FetchRecord, migrate
from regie.store.catalogue.repository import Outcome
from regie.store.catalogue.schema import schema_migrations

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _version(catalogue: Catalogue, content_hash: str = "c" * 64, at: datetime = T0, feed: str = "gtfs"):
    return catalogue.add_version(
        operator_id="rail", feed_id=feed, content_hash=content_hash, raw_sha256="r" * 64,
        size_bytes=1234, is_zip=1, archive_path=f"rail/{feed}/{content_hash}.zip", source="http",
        url="http://127.0.0.1/rail.zip", first_seen_at=at,
    )


def _fetch(outcome: Outcome, at: datetime, **extra) -> FetchRecord:
    return FetchRecord(operator_id="rail", feed_id="gtfs", kind="gtfs", source="http",
                       url="http://127.0.0.1/rail.zip", fetched_at=at, outcome=outcome, **extra)


def test_migrations_are_explicit_recorded_and_idempotent(database_url):
    catalogue = Catalogue.open(database_url)
    with catalogue.engine.connect() as connection:
        applied = connection.execute(select(schema_migrations.c.version)).scalars().all()
        tables = set(inspect(connection).get_table_names())
    assert applied == list(range(1, SCHEMA_VERSION + 1))
    assert {"schema_migrations", "feed_versions", "fetches"} <= tables
    assert migrate(catalogue.engine) == []  # nothing left to apply
    catalogue.dispose()


def test_versions_are_unique_per_operator_feed_and_content(database_url):
    catalogue = Catalogue.open(database_url)
    first = _version(catalogue)
    assert catalogue.find_version("rail", "gtfs", "c" * 64) == first
    assert first.first_seen_at == T0 and first.is_zip is True
    with pytest.raises(IntegrityError):
        _version(catalogue)
    _version(catalogue, feed="other")  # the same content under another feed is another version
    second = _version(catalogue, "d" * 64, T0 + timedelta(days=3))
    assert [v.content_hash for v in catalogue.versions("rail", "gtfs")] == ["c" * 64, "d" * 64]
    assert catalogue.latest_version("rail", "gtfs") == second
    assert catalogue.find_version("rail", "gtfs", "e" * 64) is None
    catalogue.dispose()


def test_fetch_history_and_conditional_get_validators(database_url):
    catalogue = Catalogue.open(database_url)
    version = _version(catalogue)
    catalogue.record_fetch(_fetch(Outcome.NEW_VERSION, T0, version_id=version.id, etag='"a"', http_status=200))
    catalogue.record_fetch(_fetch(Outcome.FAILED, T0 + timedelta(hours=1), http_status=500, error="HTTP 500"))
    good = catalogue.last_good_fetch("rail", "gtfs", "http://127.0.0.1/rail.zip")
    assert good is not None and good.etag == '"a"' and good.outcome is Outcome.NEW_VERSION
    assert catalogue.last_good_fetch("rail", "gtfs", "http://elsewhere/rail.zip") is None
    failed = catalogue.fetches("rail", outcome=Outcome.FAILED)
    assert [f.error for f in failed] == ["HTTP 500"]
    assert failed[0].fetched_at == T0 + timedelta(hours=1)
    assert len(catalogue.fetches(since=T0 + timedelta(minutes=30))) == 1

    status = catalogue.feed_status("rail", "gtfs", "gtfs")
    assert status.versions == 1 and status.latest_version == version
    assert status.latest_fetch.outcome is Outcome.FAILED
    assert status.last_success_at == T0
    as_dict = status.to_dict(now=T0 + timedelta(days=2))
    assert as_dict["latest_version"]["age_days"] == 2.0
    assert as_dict["latest_fetch"]["error"] == "HTTP 500"
    catalogue.dispose()


def test_snapshots_past_retention_are_listed_and_forgotten(database_url):
    catalogue = Catalogue.open(database_url)
    old = catalogue.record_fetch(_fetch(Outcome.SNAPSHOT, T0, snapshot_path="rail/gbfs/old"))
    catalogue.record_fetch(_fetch(Outcome.SNAPSHOT, T0 + timedelta(days=10), snapshot_path="rail/gbfs/new"))
    expired = catalogue.snapshots_older_than(T0 + timedelta(days=5))
    assert [record.id for record in expired] == [old.id]
    catalogue.forget_snapshot(old.id)
    assert catalogue.snapshots_older_than(T0 + timedelta(days=5)) == []
    assert len(catalogue.fetches("rail")) == 2  # the fetch itself stays in the history
    catalogue.dispose()


def test_text_is_stored_verbatim_through_bound_parameters(database_url):
    catalogue = Catalogue.open(database_url)
    hostile = "x'); DROP TABLE fetches; -- <script>é</script>"
    catalogue.record_fetch(_fetch(Outcome.FAILED, T0, error=hostile))
    assert catalogue.fetches("rail")[0].error == hostile
    catalogue.dispose()


def test_an_older_database_is_migrated_in_place(database_url):
    """A catalogue created at schema 1 keeps its rows and gains the later tables."""
    from regie.store.catalogue.repository import make_engine

    engine = make_engine(database_url)
    assert migrate(engine, upto=1) == [1]
    old = Catalogue(engine)
    kept = _version(old)
    assert "fees" not in set(inspect(engine).get_table_names())
    assert migrate(engine) == list(range(2, SCHEMA_VERSION + 1))
    assert {"validations", "findings", "applied_waivers", "fees"} <= set(inspect(engine).get_table_names())
    assert Catalogue(engine).find_version("rail", "gtfs", kept.content_hash) == kept
    engine.dispose()


def test_fee_history_is_kept_per_year(database_url):
    from regie.fees.history import fee_history, record_fees
    from regie.fees.results import FeeError

    catalogue = Catalogue.open(database_url)
    error = FeeError(operator_id="rail", operator_name="Rail", kind="timetable", fee_year=2026, code="missing_ridership",
                     message="operator rail has no declared ridership", tiers_hash="t" * 64)
    record_fees(catalogue, [error], as_of=T0.date(), computed_at=T0)
    record_fees(catalogue, [error], as_of=T0.date(), computed_at=T0 + timedelta(days=1))
    rows = fee_history(catalogue, "rail", 2026)
    assert [row["error_code"] for row in rows] == ["missing_ridership", "missing_ridership"]
    assert "no declared ridership" in str(rows[0]["statement"])
    assert fee_history(catalogue, "rail", 2025) == []
    catalogue.dispose()
