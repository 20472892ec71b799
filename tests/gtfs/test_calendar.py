"""Service calendars (`regie.gtfs.calendar`) on a small hand-made feed: the exact active dates of
every service, and the feed's first and last day of service."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from regie.gtfs.calendar import service_dates, service_span
from regie.gtfs.feed_tables import FeedTables

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _calendar(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """calendar.txt as `regie.gtfs.feed_tables` reads it (all strings): rows of service_id, the seven
    weekday flags as one string ("1111100": Monday to Friday), start_date, end_date."""
    records = [{"service_id": sid, **dict(zip(DAYS, flags, strict=True)), "start_date": start, "end_date": end}
               for sid, flags, start, end in rows]
    return pd.DataFrame(records, dtype="str")


def _calendar_dates(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["service_id", "date", "exception_type"], dtype="str")


def _feed(tables: dict[str, pd.DataFrame]) -> FeedTables:
    return FeedTables(Path("hand-made.zip"), [f"{name}.txt" for name in tables], tables, {}, [])


def _dates(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return sorted(zip(frame["service_id"], frame["date"].dt.strftime("%Y%m%d"), strict=True))


# 2026-01-05 is a Monday
TABLES = {
    "calendar": _calendar([
        ("weekdays", "1111100", "20260105", "20260118"),
        ("saturdays", "0000010", "20260110", "20260124"),
        ("dates_only", "0000000", "20251201", "20261231"),  # no weekday: only its added dates run
    ]),
    "calendar_dates": _calendar_dates([
        ("weekdays", "20260107", "2"),    # a Wednesday off
        ("weekdays", "20260110", "1"),    # and a Saturday on
        ("saturdays", "20260117", "2"),
        ("dates_only", "20251224", "1"),
        ("extra", "20260201", "1"),       # a service found only in calendar_dates
    ]),
}


def test_service_dates_are_weekday_ranges_plus_added_minus_removed_dates():
    dates = service_dates(TABLES)
    assert list(dates.columns) == ["service_id", "date"]
    assert _dates(dates) == sorted([
        *[("weekdays", d) for d in ("20260105", "20260106", "20260108", "20260109", "20260110",
                                    "20260112", "20260113", "20260114", "20260115", "20260116")],
        ("saturdays", "20260110"), ("saturdays", "20260124"),
        ("dates_only", "20251224"),
        ("extra", "20260201"),
    ])


def test_service_dates_from_either_table_alone_and_from_none():
    assert _dates(service_dates({"calendar": _calendar([("sun", "0000001", "20260101", "20260115")])})) == [
        ("sun", "20260104"), ("sun", "20260111")]
    only_exceptions = {"calendar_dates": _calendar_dates([("x", "20260301", "1"), ("x", "20260302", "2")])}
    assert _dates(service_dates(only_exceptions)) == [("x", "20260301")]
    empty = service_dates({})
    assert list(empty.columns) == ["service_id", "date"] and len(empty) == 0


def test_service_span_runs_from_the_first_to_the_last_day_of_service():
    assert service_span(_feed(TABLES)) == (date(2025, 12, 24), date(2026, 2, 1))
    weekdays = _calendar([("weekdays", "1111100", "20260105", "20260116")])
    assert service_span(_feed({"calendar": weekdays})) == (date(2026, 1, 5), date(2026, 1, 16))


def test_service_span_is_empty_without_any_service():
    assert service_span(_feed({})) == (None, None)
    no_weekday = _calendar([("never", "0000000", "20260105", "20260116")])
    assert service_span(_feed({"calendar": no_weekday})) == (None, None)
