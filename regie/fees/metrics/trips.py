"""What one service day of each trip amounts to: its runs, their duration and length.

- Trip runs: a trip runs once on each of its service days. A trip of frequencies.txt is a template:
  each of its rows runs it ceil((end_time - start_time) / headway_secs) times (exact_times=1 starts
  them at start_time + k × headway, k = 0, 1, ... while before end_time; exact_times=0 is counted the
  same way), its own stop times only giving the duration and length of each run. Rows with a bad
  time or headway are ignored (warning); a template with no valid row does not run.
- Service hours: last arrival − first departure of each trip run. Vehicle-km: each run's length
  (`regie.fees.metrics.lengths`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from regie.fees.metrics.lengths import trip_lengths
from regie.fees.metrics.stop_times import first_row_of, read_stop_times
from regie.gtfs.columns import column, table
from regie.gtfs.feed_tables import FeedTables
from regie.gtfs.frequencies import frequency_rows


@dataclass
class Trips:
    """Per trip code (the trip ids of stop_times): what one service day of each trip amounts to."""

    ids: np.ndarray
    services: pd.Index
    service: np.ndarray  # service code, -1 when unknown
    route: np.ndarray  # route code, -1 when none
    start: np.ndarray  # first departure, seconds after midnight (NaN when untimed)
    duration: np.ndarray  # seconds of one run
    length_km: np.ndarray  # km of one run (0 when unknown)
    method: np.ndarray  # SHAPE_DIST .. UNKNOWN
    runs: np.ndarray  # runs per service day
    row_trip: np.ndarray  # per kept stop_times row: trip code
    row_station: np.ndarray  # per kept stop_times row: station (parent station or stop) code
    freq_trip: np.ndarray
    freq_start: np.ndarray
    freq_count: np.ndarray
    freq_headway: np.ndarray
    unit: str | None = None
    unit_ratio: float | None = None
    unit_reference: str | None = None
    warnings: list[str] = field(default_factory=list)


def prepare_trips(feed: FeedTables) -> Trips:
    warnings: list[str] = []
    times = read_stop_times(feed)
    trips = table(feed, "trips")
    trip_row = first_row_of(column(trips, "trip_id"), times.trip_ids)
    known = trip_row >= 0
    if (~known).any():
        warnings.append(f"{int((~known).sum())} trip(s) of stop_times.txt are not in trips.txt: not counted")

    def per_trip(name: str) -> np.ndarray:
        values = column(trips, name).to_numpy(dtype=object)
        return np.where(known, values[np.maximum(trip_row, 0)] if len(values) else "", "")

    length_m, method, unit, ratio, reference = trip_lengths(feed, times, per_trip("shape_id"), warnings)
    rows = frequency_rows(feed, times.trip_ids, warnings)
    listed, freq_trip, freq_start, freq_count, freq_headway = rows.listed, rows.trip, rows.begin, rows.runs, rows.headway
    runs = np.where(times.has_rows & ~listed, 1.0, 0.0)  # a template runs only by its frequencies
    runs += np.bincount(freq_trip, weights=freq_count, minlength=len(runs))

    service_text = per_trip("service_id")
    services = pd.Index(pd.unique(np.concatenate([
        service_text, column(table(feed, "calendar"), "service_id").to_numpy(dtype=object),
        column(table(feed, "calendar_dates"), "service_id").to_numpy(dtype=object)]))).drop("", errors="ignore")
    route_text = per_trip("route_id")
    route_codes, _ = pd.factorize(route_text)
    return Trips(
        ids=np.asarray(times.trip_ids, dtype=object), services=services, service=services.get_indexer(service_text),
        route=np.where(route_text != "", route_codes, -1), start=times.start, duration=times.duration,
        length_km=length_m / 1000.0, method=method, runs=runs, row_trip=times.row_trip,
        row_station=times.station[times.row_stop], freq_trip=freq_trip, freq_start=freq_start,
        freq_count=freq_count, freq_headway=freq_headway, unit=unit, unit_ratio=ratio, unit_reference=reference,
        warnings=warnings)
