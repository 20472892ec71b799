"""Migration 4 adds fetches.final_url to a catalogue created before it (item 2)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text

from regie.store.catalogue import Catalogue, FetchRecord, migrate
from regie.store.catalogue.repository import Outcome, make_engine


def test_an_older_catalogue_gains_the_final_url_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'regie.db'}"
    engine = make_engine(url)
    assert migrate(engine, upto=3) == [1, 2, 3]
    with engine.begin() as connection:  # as step 1 built it before fetches had the column
        connection.execute(text("ALTER TABLE fetches DROP COLUMN final_url"))
    assert migrate(engine)[0] == 4
    with engine.connect() as connection:
        assert "final_url" in {column["name"] for column in inspect(connection).get_columns("fetches")}
    engine.dispose()
    catalogue = Catalogue.open(url)
    catalogue.record_fetch(FetchRecord(operator_id="rail", feed_id="gtfs", kind="gtfs", source="http",
                                       url="https://feeds.example/rail.zip?key=${KEY}",
                                       fetched_at=datetime(2026, 3, 1, tzinfo=UTC), outcome=Outcome.FAILED,
                                       final_url="https://mirror.example/rail.zip?key=***"))
    [stored] = catalogue.fetches("rail")
    assert stored.final_url == "https://mirror.example/rail.zip?key=***"
    catalogue.dispose()
