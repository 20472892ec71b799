"""Service calendars: the active dates of every service, and a feed's first and last service day
(calendar.txt and calendar_dates.txt, vectorised)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from regie.gtfs.columns import column, gtfs_dates
from regie.gtfs.tables import FeedTables

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


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


def service_dates(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Columns service_id, date: the active dates of every service (calendar + calendar_dates)."""
    parts = []
    calendar = tables.get("calendar")
    if calendar is not None and len(calendar):
        start, end = gtfs_dates(column(calendar, "start_date")), gtfs_dates(column(calendar, "end_date"))
        valid = (start.notna() & end.notna() & (end >= start)).to_numpy()
        start, end = start[valid], end[valid]
        lengths = ((end - start).dt.days + 1).to_numpy()
        position = np.repeat(np.arange(len(start)), lengths)
        step = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        dates = pd.DatetimeIndex(start.to_numpy()[position]) + pd.to_timedelta(step, unit="D")
        flags = np.column_stack([column(calendar, day)[valid].to_numpy() == "1" for day in WEEKDAYS])
        active = flags[position, dates.day_of_week]
        ids = column(calendar, "service_id")[valid].to_numpy()[position]
        parts.append(pd.DataFrame({"service_id": ids[active], "date": dates[active]}))
    exceptions = tables.get("calendar_dates")
    removed = None
    if exceptions is not None and len(exceptions):
        kind = column(exceptions, "exception_type")
        frame = pd.DataFrame({"service_id": column(exceptions, "service_id"), "date": gtfs_dates(column(exceptions, "date"))})
        frame = frame[frame["date"].notna()]
        parts.append(frame[kind[frame.index] == "1"])
        removed = frame[kind[frame.index] == "2"]
    if not parts:
        return pd.DataFrame({"service_id": pd.Series([], dtype="str"), "date": pd.Series([], dtype="datetime64[ns]")})
    dates = pd.concat(parts, ignore_index=True).drop_duplicates()
    if removed is not None and len(removed):
        marked = dates.merge(removed.drop_duplicates(), how="left", indicator=True)
        dates = marked.loc[marked["_merge"] == "left_only", ["service_id", "date"]]
    return dates.reset_index(drop=True)
