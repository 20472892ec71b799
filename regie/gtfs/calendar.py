"""Service calendars (calendar.txt and calendar_dates.txt, vectorised): the one expansion of their
rules into a services × days matrix, the active dates of every service built on it, and the first
and last day of service of a feed or of some services.

Days are integers, "epoch days" since 1970-01-01; that day being a Thursday, the weekday
(Monday = 0) of epoch day d is (d + 3) % 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from regie.gtfs.columns import column, gtfs_dates
from regie.gtfs.feed_tables import TableLookup

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EPOCH = date(1970, 1, 1)


def epoch_days(values: pd.Series) -> np.ndarray:
    """YYYYMMDD text as epoch days (floats, NaN when not a date)."""
    dates = gtfs_dates(values)
    days = np.full(len(dates), np.nan)
    ok = dates.notna().to_numpy()
    days[ok] = dates[ok].to_numpy().astype("datetime64[D]").astype(np.int64)
    return days


def epoch_day(value: date) -> int:
    """The epoch day of a date."""
    return (value - EPOCH).days


def epoch_date(day: float) -> date:
    """The date of an epoch day."""
    return EPOCH + timedelta(days=int(day))


@dataclass(frozen=True)
class ServiceCalendars:
    """calendar.txt and calendar_dates.txt as arrays, each service as its code (position) in
    `services`. Only usable rows are kept: calendar rows of a listed service with a valid start_date
    and end_date; calendar_dates rows of a listed service with a valid date and exception_type 1 or 2."""

    services: pd.Index
    code: np.ndarray  # per calendar row: service code
    start: np.ndarray  # start_date, epoch day (int64)
    end: np.ndarray  # end_date, epoch day (int64)
    weekdays: np.ndarray  # rows × 7 booleans, Monday first: the weekday flag is "1"
    exception_code: np.ndarray  # per calendar_dates row: service code
    exception_day: np.ndarray  # date, epoch day (int64)
    exception_type: np.ndarray  # 1: added, 2: removed


def service_calendars(tables: TableLookup, services: pd.Index) -> ServiceCalendars:
    """The calendars of `services` (distinct service ids; rows of other services are left out)."""
    return ServiceCalendars(services, *_calendar_rows(tables.get("calendar"), services),
                            *_exception_rows(tables.get("calendar_dates"), services))


def _calendar_rows(calendar: pd.DataFrame | None, services: pd.Index) -> tuple[np.ndarray, ...]:
    """The usable calendar.txt rows: service code, start and end epoch days, weekday flags."""
    if calendar is None or not len(calendar):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), \
            np.zeros((0, 7), dtype=bool)
    code = services.get_indexer(column(calendar, "service_id"))
    start, end = epoch_days(column(calendar, "start_date")), epoch_days(column(calendar, "end_date"))
    weekdays = np.column_stack([(column(calendar, day) == "1").to_numpy() for day in WEEKDAYS])
    ok = (code >= 0) & ~np.isnan(start) & ~np.isnan(end)
    return code[ok], start[ok].astype(np.int64), end[ok].astype(np.int64), weekdays[ok]


def _exception_rows(dates: pd.DataFrame | None, services: pd.Index) -> tuple[np.ndarray, ...]:
    """The usable calendar_dates.txt rows: service code, epoch day, exception type (1 or 2)."""
    if dates is None or not len(dates):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    code = services.get_indexer(column(dates, "service_id"))
    day = epoch_days(column(dates, "date"))
    kind = column(dates, "exception_type").to_numpy(dtype=object)
    ok = (code >= 0) & ~np.isnan(day) & np.isin(kind, ["1", "2"])
    return code[ok], day[ok].astype(np.int64), np.where(kind[ok] == "1", 1, 2)


def service_matrix(calendars: ServiceCalendars, first_day: int, last_day: int) -> np.ndarray:
    """Whether each service runs on each day from `first_day` to `last_day` (epoch days, both
    included): a bool array with one row per service (row i is `calendars.services[i]`) and one
    column per day (column j is epoch day first_day + j); no column when last_day < first_day.

    A service runs on a day when one of its calendar rows covers it (start_date..end_date, the
    day's weekday flag "1") or calendar_dates adds it (exception_type 1), and calendar_dates does
    not remove it (exception_type 2; a date both added and removed is removed). Calendar rows are
    expanded over their days inside the window only."""
    c = calendars
    matrix = np.zeros((len(c.services), max(last_day - first_day + 1, 0)), dtype=bool)
    begin, end = np.maximum(c.start, first_day), np.minimum(c.end, last_day)
    lengths = np.clip(end - begin + 1, 0, None)
    row = np.repeat(np.arange(len(lengths)), lengths)
    day = begin[row] + np.arange(len(row)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    runs = c.weekdays[row, (day + 3) % 7]
    matrix[c.code[row[runs]], day[runs] - first_day] = True
    inside = (c.exception_day >= first_day) & (c.exception_day <= last_day)
    for kind, value in ((1, True), (2, False)):
        chosen = inside & (c.exception_type == kind)
        matrix[c.exception_code[chosen], c.exception_day[chosen] - first_day] = value
    return matrix


def calendar_span(calendars: ServiceCalendars, used: np.ndarray) -> tuple[float, float]:
    """(first, last) epoch day of the calendars of the `used` services (a bool per service code):
    start_date..end_date of each calendar row that runs on at least one day (weekdays counted
    arithmetically, removed dates subtracted, no expansion), and each added date not also removed.
    NaN when none."""
    c = calendars
    removed = pd.DataFrame({"code": c.exception_code[c.exception_type == 2],
                            "day": c.exception_day[c.exception_type == 2]}).drop_duplicates()
    rows = np.flatnonzero(used[c.code]) if len(c.code) else np.array([], dtype=np.int64)
    length = np.clip(c.end[rows] - c.start[rows] + 1, 0, None)
    offset = (np.arange(7)[None, :] - (c.start[rows][:, None] + 3) % 7) % 7
    running = ((length[:, None] // 7 + (offset < (length % 7)[:, None])) * c.weekdays[rows]).sum(axis=1)
    hits = pd.DataFrame({"row": np.arange(len(rows)), "code": c.code[rows]}).merge(removed, on="code")
    row, day = hits["row"].to_numpy(), hits["day"].to_numpy()
    inside = (day >= c.start[rows][row]) & (day <= c.end[rows][row]) & c.weekdays[rows][row, (day + 3) % 7]
    running = running - np.bincount(row[inside], minlength=len(rows))
    added = pd.DataFrame({"code": c.exception_code, "day": c.exception_day})[(c.exception_type == 1)
                                                                              & used[c.exception_code]]
    added = added.merge(removed, how="left", indicator=True)
    added_days = added.loc[added["_merge"] == "left_only", "day"].to_numpy()
    firsts = np.r_[c.start[rows][running > 0], added_days]
    lasts = np.r_[c.end[rows][running > 0], added_days]
    return (float(firsts.min()), float(lasts.max())) if len(firsts) else (np.nan, np.nan)


def service_dates(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Columns service_id, date (datetime64): the active dates of every service (calendar +
    calendar_dates, as `service_matrix` expands them), one row per service and date, services in
    order of first appearance (calendar.txt, then calendar_dates.txt), dates in increasing order."""
    listed = [column(tables[name], "service_id").to_numpy(dtype=object) for name in ("calendar", "calendar_dates")
              if tables.get(name) is not None and len(tables[name])]
    if not listed:
        return pd.DataFrame({"service_id": pd.Series([], dtype="str"), "date": pd.Series([], dtype="datetime64[ns]")})
    services = pd.Index(pd.unique(np.concatenate(listed)))
    calendars = service_calendars(tables, services)
    ranged = calendars.end >= calendars.start
    added = calendars.exception_day[calendars.exception_type == 1]
    firsts, lasts = np.r_[calendars.start[ranged], added], np.r_[calendars.end[ranged], added]
    first, last = (int(firsts.min()), int(lasts.max())) if len(firsts) else (0, -1)
    code, offset = np.nonzero(service_matrix(calendars, first, last))
    return pd.DataFrame({"service_id": pd.Series(services.to_numpy(dtype=object)[code], dtype="str"),
                         "date": (first + offset).astype("datetime64[D]").astype("datetime64[us]")})


def service_span(feed: TableLookup) -> tuple[date | None, date | None]:
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
        starts.append(gtfs_dates(active["start_date"]))
        ends.append(gtfs_dates(active["end_date"]))
    calendar_dates = feed.get("calendar_dates")
    if calendar_dates is not None and len(calendar_dates) and {"date", "exception_type"} <= set(calendar_dates.columns):
        added = calendar_dates[calendar_dates["exception_type"].astype(str).str.strip() == "1"]
        starts.append(gtfs_dates(added["date"]))
        ends.append(gtfs_dates(added["date"]))
    first = pd.concat(starts).min() if starts else pd.NaT
    last = pd.concat(ends).max() if ends else pd.NaT
    return (None if pd.isna(first) else first.date(), None if pd.isna(last) else last.date())
