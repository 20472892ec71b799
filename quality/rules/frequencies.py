"""frequency_shorter_than_headway (WARNING): a frequencies.txt period shorter than its own
headway (0 < end_time - start_time < headway_secs), so at most one departure where a series was
meant. An empty period (start = end) is canonical's start_and_end_range_equal; end before start is
canonical's start_and_end_range_out_of_order."""

from __future__ import annotations

import pandas as pd

from quality.notices import Severity
from quality.rules._common import int_text, no_notices, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import column, gtfs_seconds, numeric, rows, table
from regie.gtfs.feed_tables import FeedTables


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    frequencies = table(feed, "frequencies")
    if not len(frequencies):
        return no_notices()
    frame = pd.DataFrame({
        "trip_id": column(frequencies, "trip_id"), "start_time": column(frequencies, "start_time"),
        "end_time": column(frequencies, "end_time"), "headway_secs": numeric(frequencies, "headway_secs"),
        "row": rows(frequencies),
    })
    frame["period_secs"] = gtfs_seconds(frame["end_time"]) - gtfs_seconds(frame["start_time"])
    hits = frame[(frame["period_secs"] > 0) & (frame["period_secs"] < frame["headway_secs"])].reset_index(drop=True)
    if hits.empty:
        return no_notices()
    hits["period_secs"] = hits["period_secs"].astype("int64")
    hits["headway_secs"] = hits["headway_secs"].astype("int64")
    message = ("Trip " + hits["trip_id"] + " runs every " + int_text(hits["headway_secs"]) + " s from "
               + hits["start_time"] + " to " + hits["end_time"] + ", a period of only " + int_text(hits["period_secs"])
               + " s: shorter than one headway.")
    return notices("frequency_shorter_than_headway", Severity.WARNING, file="frequencies.txt", row=hits["row"],
                   field="end_time", message=message,
                   context=records(hits, ["trip_id", "start_time", "end_time", "headway_secs", "period_secs"]))
