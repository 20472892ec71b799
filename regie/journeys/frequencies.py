"""Runs of every trip: one per trip of stop_times.txt, or, for a trip of frequencies.txt (a
template), one per headway of each of its rows: starts at start_time + k × headway_secs while
before end_time (as `regie.fees.metrics.trips` counts them). exact_times=1 is that schedule;
exact_times=0 promises only the headway, and the graph takes the same schedule as the nearest
timetable to it. Each run repeats the template's hops shifted so its first departure is the
run's start. A template with no valid row does not run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regie.gtfs.feed_tables import TableLookup
from regie.gtfs.frequencies import frequency_rows


def trip_runs(feed: TableLookup, trip_ids: pd.Index, first_departure: np.ndarray,
              warnings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(trip code, shift in seconds) of every run, trips without hops left out."""
    rows = frequency_rows(feed, trip_ids, warnings)
    timed = ~np.isnan(first_departure)
    plain = np.flatnonzero(timed & ~rows.listed)
    trip_ok = timed[rows.trip]
    trip, begin, headway, count = (rows.trip[trip_ok], rows.begin[trip_ok], rows.headway[trip_ok],
                                   rows.runs[trip_ok].astype(np.int64))
    row = np.repeat(np.arange(len(trip)), count)
    k = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    starts = begin[row] + k * headway[row]
    run_trip = np.r_[plain, trip[row]].astype(np.int64)
    shift = np.r_[np.zeros(len(plain)), starts - first_departure[trip[row]]]
    return run_trip, shift.astype(np.int64)
