"""Runs of every trip: one per trip of stop_times.txt, or, for a trip of frequencies.txt (a
template), one per headway of each of its rows: starts at start_time + k × headway_secs while
before end_time (as `regie.fees.metrics.trips` counts them). exact_times=1 is that schedule;
exact_times=0 promises only the headway, and the graph takes the same schedule as the nearest
timetable to it. Each run repeats the template's hops shifted so its first departure is the
run's start. A template with no valid row does not run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regie.gtfs.columns import column, gtfs_seconds, numeric, table
from regie.gtfs.feed_tables import TableLookup


def trip_runs(feed: TableLookup, trip_ids: pd.Index, first_departure: np.ndarray,
              warnings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(trip code, shift in seconds) of every run, trips without hops left out."""
    frequencies = table(feed, "frequencies")
    trip = trip_ids.get_indexer(column(frequencies, "trip_id").to_numpy(dtype=object)) if len(frequencies) \
        else np.zeros(0, dtype=np.int64)
    begin = gtfs_seconds(column(frequencies, "start_time")).to_numpy()
    end = gtfs_seconds(column(frequencies, "end_time")).to_numpy()
    headway = numeric(frequencies, "headway_secs").to_numpy()
    ok = (trip >= 0) & (headway > 0) & (end > begin)  # NaN compares False
    if (~ok).any():
        warnings.append(f"{int((~ok).sum())} frequencies.txt row(s) with an unknown trip, a bad time or headway: "
                        "ignored")
    listed = np.zeros(len(trip_ids), dtype=bool)
    listed[trip[trip >= 0]] = True
    timed = ~np.isnan(first_departure)
    plain = np.flatnonzero(timed & ~listed)
    trip, begin, headway = trip[ok], begin[ok], headway[ok]
    trip_ok = timed[trip]
    trip, begin, headway, count = (trip[trip_ok], begin[trip_ok], headway[trip_ok],
                                   np.ceil((end[ok][trip_ok] - begin[trip_ok]) / headway[trip_ok]).astype(np.int64))
    row = np.repeat(np.arange(len(trip)), count)
    k = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    starts = begin[row] + k * headway[row]
    run_trip = np.r_[plain, trip[row]].astype(np.int64)
    shift = np.r_[np.zeros(len(plain)), starts - first_departure[trip[row]]]
    return run_trip, shift.astype(np.int64)
