"""`Catalogue.feed_statuses`: every feed's status in a few queries, the same as `feed_status` one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from regie.store.catalogue import Catalogue, FetchRecord
from regie.store.catalogue.repository import Outcome

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_feed_statuses_match_feed_status_one_by_one(database_url) -> None:
    catalogue = Catalogue.open(database_url)
    for number, (operator_id, feed_id) in enumerate([("rail", "gtfs"), ("rail", "gtfs"), ("bus", "gtfs")]):
        at = T0 + timedelta(hours=number)
        version = catalogue.add_version(
            operator_id=operator_id, feed_id=feed_id, content_hash=f"{number:064d}", raw_sha256="r" * 64,
            size_bytes=10 + number, is_zip=1, archive_path=f"{operator_id}/{number}.zip", source="http",
            url="https://feeds.example/x.zip", first_seen_at=at)
        catalogue.record_fetch(FetchRecord(operator_id=operator_id, feed_id=feed_id, kind="gtfs", source="http",
                                           url="https://feeds.example/x.zip", fetched_at=at,
                                           outcome=Outcome.NEW_VERSION, version_id=version.id))
    catalogue.record_fetch(FetchRecord(operator_id="rail", feed_id="gtfs", kind="gtfs", source="http",
                                       url="https://feeds.example/x.zip", fetched_at=T0 + timedelta(days=1),
                                       outcome=Outcome.FAILED, error="HTTP 503 Service Unavailable"))
    feeds = [("rail", "gtfs", "gtfs"), ("bus", "gtfs", "gtfs"), ("bike", "gbfs", "gbfs")]
    together = catalogue.feed_statuses(feeds)
    one_by_one = {(op, feed): catalogue.feed_status(op, feed, kind) for op, feed, kind in feeds}
    assert together == one_by_one
    assert together[("rail", "gtfs")].versions == 2 and together[("rail", "gtfs")].latest_fetch.error
    assert together[("bike", "gbfs")].latest_fetch is None
    catalogue.dispose()
