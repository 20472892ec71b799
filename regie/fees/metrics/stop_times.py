"""The stop_times of a feed as integer arrays: rows in (trip, stop_sequence) order, and per trip
what they give (first and last stop, start, duration, stop-to-stop distance, shape_dist_traveled
span); the stops' coordinates and stations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from regie.gtfs.columns import column, first_rows, gtfs_seconds, numeric, table
from regie.gtfs.feed_tables import FeedTables
from regie.gtfs.geo import haversine_m


def first_row_of(values: pd.Series, keys: object) -> np.ndarray:
    """Row of each key's first occurrence in `values`, -1 where absent (also when `values` is empty)."""
    if not len(values):
        return np.full(len(keys), -1)  # type: ignore[arg-type]
    return first_rows(values, keys)


def sorted_rows(trip: np.ndarray, sequence: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Row positions of the kept rows ordered by (trip code, stop_sequence); no sort when the
    table already is (trip codes follow first appearance, so a grouped file is non-decreasing)."""
    rows = np.flatnonzero(keep)
    t, s = trip[rows], sequence[rows]
    if len(rows) < 2 or bool(np.all((t[1:] > t[:-1]) | ((t[1:] == t[:-1]) & (s[1:] > s[:-1])))):
        return rows
    return rows[np.lexsort((s, t))]


def coordinates(frame: pd.DataFrame, lat: str, lon: str) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes as floats, NaN where missing, out of range or at 0,0."""
    la, lo = numeric(frame, lat).to_numpy(), numeric(frame, lon).to_numpy()
    bad = ((la == 0) & (lo == 0)) | (np.abs(la) > 90) | (np.abs(lo) > 180)
    return np.where(bad, np.nan, la), np.where(bad, np.nan, lo)


def _stations(feed: FeedTables, stop_ids: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per stop code: latitude, longitude and a station code (its parent station, else itself)."""
    stops = table(feed, "stops")
    where = first_row_of(column(stops, "stop_id"), stop_ids)
    found = where >= 0
    lat, lon = coordinates(stops, "stop_lat", "stop_lon")
    stop_lat = np.where(found, lat[np.maximum(where, 0)] if len(lat) else np.nan, np.nan)
    stop_lon = np.where(found, lon[np.maximum(where, 0)] if len(lon) else np.nan, np.nan)
    parent = column(stops, "parent_station").to_numpy(dtype=object)
    own = np.asarray(stop_ids, dtype=object)
    parent_of = np.where(found, parent[np.maximum(where, 0)] if len(parent) else "", "")
    station, _ = pd.factorize(np.where(parent_of != "", parent_of, own))
    return stop_lat, stop_lon, station


@dataclass
class StopTimes:
    """The kept stop_times rows ordered by (trip, stop_sequence), and per trip code what they give."""

    trip_ids: pd.Index
    row_trip: np.ndarray
    row_stop: np.ndarray
    stop_lat: np.ndarray  # per stop code
    stop_lon: np.ndarray
    station: np.ndarray  # per stop code
    has_rows: np.ndarray  # per trip code from here on
    start: np.ndarray
    duration: np.ndarray
    first_stop: np.ndarray
    last_stop: np.ndarray
    haversine_m: np.ndarray
    sdt_span: np.ndarray
    sdt_points: np.ndarray
    sdt_share: float


def read_stop_times(feed: FeedTables) -> StopTimes:
    stop_times = table(feed, "stop_times")
    trip_text = column(stop_times, "trip_id")
    trip_codes, trip_ids = pd.factorize(trip_text)
    sequence = numeric(stop_times, "stop_sequence").to_numpy()
    order = sorted_rows(trip_codes, sequence, ~np.isnan(sequence) & (trip_text != "").to_numpy())
    n = len(trip_ids)
    trip = trip_codes[order]
    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]]) if len(trip) else np.array([], dtype=np.int64)
    seg_trip, last_rows = trip[starts], np.r_[starts[1:], len(trip)] - 1
    stop_codes, stop_ids = pd.factorize(column(stop_times, "stop_id"))
    stop = stop_codes[order]
    stop_lat, stop_lon, station = _stations(feed, pd.Index(stop_ids))
    result = StopTimes(
        trip_ids=pd.Index(trip_ids), row_trip=trip, row_stop=stop, stop_lat=stop_lat, stop_lon=stop_lon,
        station=station, has_rows=np.zeros(n, dtype=bool), start=np.full(n, np.nan), duration=np.zeros(n),
        first_stop=np.full(n, -1), last_stop=np.full(n, -1), haversine_m=np.zeros(n), sdt_span=np.zeros(n),
        sdt_points=np.zeros(n), sdt_share=0.0)
    if not len(trip):
        return result
    result.has_rows[seg_trip] = True
    result.first_stop[seg_trip], result.last_stop[seg_trip] = stop[starts], stop[last_rows]

    departure = gtfs_seconds(column(stop_times, "departure_time")).to_numpy()[order]
    arrival = gtfs_seconds(column(stop_times, "arrival_time")).to_numpy()[order]
    first_time = np.where(np.isnan(departure), arrival, departure)
    last_time = np.where(np.isnan(arrival), departure, arrival)
    result.start[seg_trip] = np.fmin.reduceat(first_time, starts)
    end = np.fmax.reduceat(last_time, starts)
    result.duration[seg_trip] = np.nan_to_num(np.clip(end - result.start[seg_trip], 0, None))

    lat, lon = stop_lat[stop], stop_lon[stop]
    same = np.r_[False, trip[1:] == trip[:-1]]
    step = np.where(same, np.r_[0.0, haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])], 0.0)
    result.haversine_m[seg_trip] = np.add.reduceat(np.nan_to_num(step), starts)

    if "shape_dist_traveled" in stop_times.columns:
        sdt = numeric(stop_times, "shape_dist_traveled").to_numpy()[order]
        result.sdt_share = float(np.mean(~np.isnan(sdt)))
        sdt[starts] = np.where(np.isnan(sdt[starts]), 0.0, sdt[starts])  # empty on the first stop: 0
        result.sdt_span[seg_trip] = np.nan_to_num(np.fmax.reduceat(sdt, starts) - np.fmin.reduceat(sdt, starts))
        result.sdt_points[seg_trip] = np.add.reduceat(~np.isnan(sdt), starts)
    return result
