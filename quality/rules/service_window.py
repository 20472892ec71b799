"""How far ahead the feed's service runs, from the service calendars themselves.

- feed_expired (ERROR): the feed's last service day is before the validation date; nothing in it
  runs any more. (Canonical reports each expired service, expired_calendar, as a WARNING, and the
  feed_info dates, feed_expiration_date*; neither says the whole timetable is over.)
- feed_service_ends_soon (WARNING): the last service day is fewer than
  `thresholds.min_days_valid_ahead` days after the validation date (so with 30 days, a feed
  whose service ends 29 days later is warned about, 30 days later is not; ending on the
  validation day itself is "ends soon", not expired).
- calendar_covers_single_day (INFO): a calendar.txt entry whose start_date is its end_date, a
  one-off date that belongs in calendar_dates.txt.

The last service day is the latest of: for each calendar.txt entry, the last date on or before
end_date (and not before start_date) whose weekday runs; and every date calendar_dates.txt adds
(exception_type 1). Removed dates are not subtracted (an upper bound, like feed validity in
journey planners). The notice points at the record that gives the last day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quality.notices import Severity
from quality.rules._common import combined, no_notices, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import column, gtfs_dates, rows, table
from regie.gtfs.feed_tables import FeedTables

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def calendar_last_days(calendar: pd.DataFrame) -> pd.Series:
    """Per calendar.txt entry, its last running day (NaT when it never runs)."""
    start, end = gtfs_dates(column(calendar, "start_date")), gtfs_dates(column(calendar, "end_date"))
    runs = np.column_stack([(column(calendar, day) == "1").to_numpy() for day in WEEKDAYS]) if len(calendar) else \
        np.zeros((0, 7), dtype=bool)
    weekday = end.dt.day_of_week.fillna(0).astype(int).to_numpy()
    # candidate k: end_date - k days, for k = 0..6; the first running weekday not before start_date
    offsets = np.arange(7)
    candidate_weekday = (weekday[:, None] - offsets[None, :]) % 7
    running = np.take_along_axis(runs, candidate_weekday, axis=1)
    in_range = (end.to_numpy()[:, None] - offsets[None, :] * np.timedelta64(1, "D")) >= start.to_numpy()[:, None]
    ok = running & in_range & end.notna().to_numpy()[:, None]
    first = np.where(ok.any(axis=1), ok.argmax(axis=1), -1)
    last = end - pd.Series(pd.to_timedelta(np.where(first >= 0, first, 0), unit="D"), index=end.index)
    return last.where(first >= 0)


def last_service_day(feed: FeedTables) -> pd.DataFrame:
    """One row: last_day, file, row, field, service_id of the record giving the feed's last service
    day; empty when no calendar gives any."""
    calendar, dates = table(feed, "calendar"), table(feed, "calendar_dates")
    candidates = [
        pd.DataFrame({"last_day": calendar_last_days(calendar), "file": "calendar.txt", "row": rows(calendar),
                      "field": "end_date", "service_id": column(calendar, "service_id")}),
        pd.DataFrame({"last_day": gtfs_dates(column(dates, "date")).where(column(dates, "exception_type") == "1"),
                      "file": "calendar_dates.txt", "row": rows(dates), "field": "date",
                      "service_id": column(dates, "service_id")}),
    ]
    frame = pd.concat([c for c in candidates if len(c)] or candidates[:1], ignore_index=True)
    frame = frame[frame["last_day"].notna()]
    if frame.empty:
        return frame
    return frame.sort_values(["last_day", "row"], ascending=[False, True]).head(1).reset_index(drop=True)


def _window_notices(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    last = last_service_day(feed)
    if last.empty:
        return no_notices()
    validation_day = pd.Timestamp(context.validation_date)
    days_ahead = int((last["last_day"].iloc[0] - validation_day).days)
    minimum = context.thresholds.min_days_valid_ahead
    last_text = last["last_day"].iloc[0].date().isoformat()
    last["last_service_date"] = last_text
    last["validation_date"] = context.validation_date.isoformat()
    last["days_ahead"] = days_ahead
    if days_ahead < 0:
        code, severity = "feed_expired", Severity.ERROR
        message = (f"The feed's last day of service is {last_text}, {-days_ahead} days before {context.validation_date}: "
                   "no trip of this timetable runs any more.")
    elif days_ahead < minimum:
        code, severity = "feed_service_ends_soon", Severity.WARNING
        message = (f"The feed's last day of service is {last_text}, {days_ahead} days after {context.validation_date}; "
                   f"the pool asks for at least {minimum} days of service ahead.")
        last["min_days_valid_ahead"] = minimum
    else:
        return no_notices()
    keys = ["last_service_date", "validation_date", "days_ahead", "service_id"]
    keys += ["min_days_valid_ahead"] if "min_days_valid_ahead" in last else []
    return notices(code, severity, file=last["file"], row=last["row"], field=last["field"], message=message,
                   context=records(last, keys))


def _single_day_calendars(feed: FeedTables) -> pd.DataFrame:
    calendar = table(feed, "calendar")
    start, end = gtfs_dates(column(calendar, "start_date")), gtfs_dates(column(calendar, "end_date"))
    frame = pd.DataFrame({"service_id": column(calendar, "service_id"), "date": column(calendar, "end_date"),
                          "row": rows(calendar)})
    hits = frame[start.notna() & (start == end)].reset_index(drop=True)
    if hits.empty:
        return no_notices()
    message = ("Service " + hits["service_id"] + " in calendar.txt covers the single day " + hits["date"]
               + "; a one-off date belongs in calendar_dates.txt (exception_type 1).")
    return notices("calendar_covers_single_day", Severity.INFO, file="calendar.txt", row=hits["row"], field="end_date",
                   message=message, context=records(hits, ["service_id", "date"]))


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    return combined([_window_notices(feed, context), _single_day_calendars(feed)])

