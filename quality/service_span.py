"""First and last service day of a feed, from calendar.txt and calendar_dates.txt (vectorised)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from quality.feed_tables import FeedTables

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype(str).str.strip(), format="%Y%m%d", errors="coerce")


def service_span(feed: FeedTables) -> tuple[date | None, date | None]:
    """(first, last) day with service: calendar ranges that run on some weekday, plus added dates.

    Approximate at the edges (a calendar range is counted whole, removed dates are ignored):
    enough for expiry and acceptance decisions, not for counting service days.
    """
    starts, ends = [], []
    calendar = feed.get("calendar")
    if calendar is not None and len(calendar) and {"start_date", "end_date"} <= set(calendar.columns):
        days = [c for c in WEEKDAYS if c in calendar.columns]
        runs = calendar[days].apply(lambda col: col.astype(str).str.strip() == "1").any(axis=1) if days else True
        active = calendar[runs] if days else calendar
        starts.append(_dates(active["start_date"]))
        ends.append(_dates(active["end_date"]))
    calendar_dates = feed.get("calendar_dates")
    if calendar_dates is not None and len(calendar_dates) and {"date", "exception_type"} <= set(calendar_dates.columns):
        added = calendar_dates[calendar_dates["exception_type"].astype(str).str.strip() == "1"]
        starts.append(_dates(added["date"]))
        ends.append(_dates(added["date"]))
    first = pd.concat(starts).min() if starts else pd.NaT
    last = pd.concat(ends).max() if ends else pd.NaT
    return (None if pd.isna(first) else first.date(), None if pd.isna(last) else last.date())
