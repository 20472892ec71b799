"""Network size of one operator for a fee year, from its accepted GTFS feed (vectorised), and the
size of a bike-share system from a GBFS snapshot.

`network_metrics(feed, fee_year=...)` works on the all-string tables of `read_feed_tables` with
integer codes and numpy arrays: no Python loop over trips, stop times or days. Its choices:

- Service days: calendar.txt weekday flags over start_date..end_date, as a services × days boolean
  matrix, then calendar_dates.txt by index arrays (exception_type 1 adds the date, 2 removes it; a
  date both added and removed is removed). A trip counts on the service day it belongs to: a trip
  at 25:10:00 runs into the next calendar day but counts for its own service day (so a trip of
  31 December running past midnight counts in the fee year, one of the previous 31 December does not).
- Trip runs: a trip runs once on each of its service days. A trip of frequencies.txt is a template:
  each of its rows runs it ceil((end_time - start_time) / headway_secs) times (exact_times=1 starts
  them at start_time + k × headway, k = 0, 1, ... while before end_time; exact_times=0 is counted the
  same way), its own stop times only giving the duration and length of each run. Rows with a bad
  time or headway are ignored (warning); a template with no valid row does not run.
- Service hours: last arrival − first departure of each trip run. Vehicle-km: each run's length.
- Trip length, by the first method that works for the trip:
  1. `shape_dist_traveled` of stop_times, when the feed fills it on most rows (an empty value on a
     trip's first stop is taken as 0): last − first value, in the unit INFERRED by comparing the
     values with geometry: the median over trips of (shape_dist_traveled span / length along the
     trip's shape between its first and last stop) or, without shapes, / (sum of the stop-to-stop
     great-circle distances × 1.1, the straight line being shorter than the road); the unit whose
     ratio is closest on a log scale wins (m 1, km 0.001, mi 0.000621, ft 3.28). The ratio and its
     reference are recorded; a ratio more than a factor 2 away from every unit drops the method.
  2. the trip's shape (shapes.txt, great-circle between points): the length along the shape from
     the shape point nearest the first stop to the one nearest the last stop (searched after the
     first), or the whole shape when that is not positive (loops) or a stop has no coordinates.
  3. the sum of the great-circle distances between consecutive stops of the trip.
- Coverage: a feed often covers only a few months of the year. By default (`coverage="service"`)
  the covered days are the days of the fee year inside the feed's service span: from the first to
  the last day of its service calendars, i.e. the start_date..end_date of every calendar.txt row
  (of a service with trips) that runs on at least one day, and every added date. Calendar ranges
  rather than the first and last day with a trip, so that a weekday-only network is not scaled up
  for the weekend at the edges of its span. feed_info's feed_start_date/feed_end_date are
  declarations, optional and often stale, so they are used only with `coverage="feed_info"` (each
  end that is present replaces the measured one), which suits seasonal networks that publish a
  whole-year feed. Measured figures count the covered days only; annual figures are measured ×
  days_in_year / covered_days for the additive figures (trips, service hours, vehicle-km, active
  service days, the last capped at the year's length); stops, routes and peak vehicles are not
  scaled. No covered day: every figure is 0 and `warnings` says so.
- Peak vehicles: on the busiest day of the covered days (most trip runs; among tied days, the one
  with the highest figure), the maximum number of trip runs in service at once (start to end,
  half-open), including the previous service day's runs past midnight. A LOWER BOUND of the
  fleet: blocks, layovers, deadheads and reserves are ignored. None when no trip run has times.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from regie.gtfs.columns import column, gtfs_dates, gtfs_seconds, numeric, table
from regie.gtfs.columns import first_rows as _first_rows
from regie.gtfs.geo import haversine_m
from regie.gtfs.tables import FeedTables

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UNITS_PER_METRE = {"m": 1.0, "km": 1e-3, "mi": 1 / 1609.344, "ft": 1 / 0.3048}
STOP_DETOUR = 1.1
"""Assumed ratio of the distance travelled to the sum of straight stop-to-stop distances."""
MIN_SHAPE_DIST_SHARE = 0.5
MAX_UNIT_MISMATCH = 2.0
SHAPE_DIST, SHAPE_GEOMETRY, STOP_HAVERSINE, UNKNOWN = 0, 1, 2, 3
METHOD_NAMES = ("shape_dist_traveled", "shape_geometry", "stop_haversine", "unknown")
_EPOCH = date(1970, 1, 1)  # a Thursday: weekday (Monday = 0) of epoch day d is (d + 3) % 7
_CANDIDATES_PER_CHUNK = 4_000_000


@dataclass(frozen=True)
class NetworkMetrics:
    """Network figures of one feed for one fee year. Additive figures (active_service_days, trips,
    service_hours, vehicle_km) are annualised (measured × scale_factor); `measured` holds every
    figure un-scaled, over the covered days of the fee year."""

    fee_year: int
    days_in_year: int
    covered_days: int
    scale_factor: float
    active_service_days: int
    trips: int
    service_hours: float
    vehicle_km: float
    stops_served: int
    routes: int
    peak_vehicles: int | None
    vehicle_km_method: str
    unit_ratio: float | None
    measured: dict[str, Any]
    warnings: list[str]
    coverage: str = "service"
    covered_from: str | None = None
    covered_to: str | None = None
    busiest_day: str | None = None
    unit_reference: str | None = None
    vehicle_km_methods: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable values."""
        return json.loads(json.dumps(asdict(self)))


# ---------------------------------------------------------------------------------------------
# trips: runs per day, duration, length


@dataclass
class _Trips:
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


def _first_row(values: pd.Series, keys: object) -> np.ndarray:
    """Row of each key's first occurrence in `values`, -1 where absent (also when `values` is empty)."""
    if not len(values):
        return np.full(len(keys), -1)  # type: ignore[arg-type]
    return _first_rows(values, keys)


def _sorted_rows(trip: np.ndarray, sequence: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Row positions of the kept rows ordered by (trip code, stop_sequence); no sort when the
    table already is (trip codes follow first appearance, so a grouped file is non-decreasing)."""
    rows = np.flatnonzero(keep)
    t, s = trip[rows], sequence[rows]
    if len(rows) < 2 or bool(np.all((t[1:] > t[:-1]) | ((t[1:] == t[:-1]) & (s[1:] > s[:-1])))):
        return rows
    return rows[np.lexsort((s, t))]


def _coordinates(frame: pd.DataFrame, lat: str, lon: str) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes as floats, NaN where missing, out of range or at 0,0."""
    la, lo = numeric(frame, lat).to_numpy(), numeric(frame, lon).to_numpy()
    bad = ((la == 0) & (lo == 0)) | (np.abs(la) > 90) | (np.abs(lo) > 180)
    return np.where(bad, np.nan, la), np.where(bad, np.nan, lo)


def _stations(feed: FeedTables, stop_ids: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per stop code: latitude, longitude and a station code (its parent station, else itself)."""
    stops = table(feed, "stops")
    where = _first_row(column(stops, "stop_id"), stop_ids)
    found = where >= 0
    lat, lon = _coordinates(stops, "stop_lat", "stop_lon")
    stop_lat = np.where(found, lat[np.maximum(where, 0)] if len(lat) else np.nan, np.nan)
    stop_lon = np.where(found, lon[np.maximum(where, 0)] if len(lon) else np.nan, np.nan)
    parent = column(stops, "parent_station").to_numpy(dtype=object)
    own = np.asarray(stop_ids, dtype=object)
    parent_of = np.where(found, parent[np.maximum(where, 0)] if len(parent) else "", "")
    station, _ = pd.factorize(np.where(parent_of != "", parent_of, own))
    return stop_lat, stop_lon, station


def _shape_lengths(feed: FeedTables, trip_shape_ids: np.ndarray, first_stop: np.ndarray, last_stop: np.ndarray,
                   stop_lat: np.ndarray, stop_lon: np.ndarray) -> np.ndarray:
    """Metres along each trip's shape from its first to its last stop (see the module docstring);
    NaN for trips without a usable shape."""
    result = np.full(len(trip_shape_ids), np.nan)
    shapes = table(feed, "shapes")
    if not len(shapes) or not len(trip_shape_ids):
        return result
    codes, shape_ids = pd.factorize(column(shapes, "shape_id"))
    sequence = numeric(shapes, "shape_pt_sequence").to_numpy()
    lat, lon = _coordinates(shapes, "shape_pt_lat", "shape_pt_lon")
    keep = (column(shapes, "shape_id") != "").to_numpy() & ~np.isnan(sequence) & ~np.isnan(lat) & ~np.isnan(lon)
    order = _sorted_rows(codes, sequence, keep)
    shape, lat, lon = codes[order], lat[order], lon[order]
    if len(shape) < 2:
        return result
    same = np.r_[False, shape[1:] == shape[:-1]]
    step = np.where(same, np.r_[0.0, haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])], 0.0)
    along = np.cumsum(step)
    starts = np.flatnonzero(~same)
    n_shapes = len(shape_ids)
    shape_first = np.full(n_shapes, -1)
    shape_first[shape[starts]] = starts
    shape_points = np.zeros(n_shapes, dtype=np.int64)
    shape_points[shape[starts]] = np.diff(np.r_[starts, len(shape)])
    shape_total = np.zeros(n_shapes)
    shape_total[shape[starts]] = along[np.r_[starts[1:], len(shape)] - 1] - along[starts]

    trip_shape = pd.Index(shape_ids).get_indexer(trip_shape_ids)
    usable = trip_shape >= 0
    usable[usable] = shape_points[trip_shape[usable]] >= 2
    result[usable] = shape_total[trip_shape[usable]]
    located = usable & (first_stop >= 0) & (last_stop >= 0)
    located[located] = ~np.isnan(stop_lat[first_stop[located]]) & ~np.isnan(stop_lat[last_stop[located]])
    if not located.any():
        return result
    # unique (shape, first stop, last stop) patterns: the nearest-point search runs once per pattern
    n_stops = len(stop_lat)
    keys = (trip_shape[located] * n_stops + first_stop[located]) * n_stops + last_stop[located]
    uniques, pattern = np.unique(keys, return_inverse=True)
    p_shape, p_first, p_last = uniques // (n_stops * n_stops), uniques // n_stops % n_stops, uniques % n_stops
    p = np.column_stack([p_shape, stop_lat[p_first], stop_lon[p_first], stop_lat[p_last], stop_lon[p_last]])
    lengths = np.empty(len(p))
    counts = shape_points[p_shape]
    ends = np.cumsum(counts)
    chunk_starts = np.r_[0, np.flatnonzero(np.diff(ends // _CANDIDATES_PER_CHUNK)) + 1]
    for a, b in zip(chunk_starts, np.r_[chunk_starts[1:], len(p)], strict=True):
        lengths[a:b] = _along(p[a:b], counts[a:b], shape_first[p_shape[a:b]], lat, lon, along)
    lengths = np.where(lengths > 0, lengths, shape_total[p_shape])
    result[located] = lengths[pattern]
    return result


def _along(patterns: np.ndarray, counts: np.ndarray, first_point: np.ndarray, lat: np.ndarray, lon: np.ndarray,
           along: np.ndarray) -> np.ndarray:
    """Length along the shape between the points nearest each pattern's first and last stop."""
    seg = np.repeat(np.arange(len(patterns)), counts)
    offsets = np.cumsum(counts) - counts
    local = np.arange(len(seg)) - offsets[seg]
    point = first_point[seg] + local

    def squared(stop_lat: np.ndarray, stop_lon: np.ndarray) -> np.ndarray:  # equirectangular, enough to rank
        dy = lat[point] - stop_lat[seg]
        dx = (lon[point] - stop_lon[seg]) * np.cos(np.radians(stop_lat[seg]))
        return dx * dx + dy * dy

    def pick(values: np.ndarray, last: bool) -> np.ndarray:
        hit = np.flatnonzero(values <= np.minimum.reduceat(values, offsets)[seg])
        owner = seg[hit]
        edge = np.r_[owner[1:] != owner[:-1], True] if last else np.r_[True, owner[1:] != owner[:-1]]
        return hit[edge]

    start = pick(squared(patterns[:, 1], patterns[:, 2]), last=False)
    to_last = squared(patterns[:, 3], patterns[:, 4])
    to_last[local < local[start][seg]] = np.inf
    end = pick(to_last, last=True)
    return along[point[end]] - along[point[start]]


def _infer_unit(span: np.ndarray, reference: np.ndarray) -> tuple[str | None, float | None]:
    """Unit of shape_dist_traveled: the median of span / reference metres, nearest unit in log."""
    ok = (span > 0) & (reference > 0) & np.isfinite(span) & np.isfinite(reference)
    if not ok.any():
        return None, None
    ratio = float(np.median(span[ok] / reference[ok]))
    distance = {unit: abs(math.log(ratio / factor)) for unit, factor in UNITS_PER_METRE.items()}
    unit = min(distance, key=distance.get)
    return (unit if distance[unit] <= math.log(MAX_UNIT_MISMATCH) else None), ratio


@dataclass
class _StopTimes:
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


def _stop_times(feed: FeedTables) -> _StopTimes:
    stop_times = table(feed, "stop_times")
    trip_text = column(stop_times, "trip_id")
    trip_codes, trip_ids = pd.factorize(trip_text)
    sequence = numeric(stop_times, "stop_sequence").to_numpy()
    order = _sorted_rows(trip_codes, sequence, ~np.isnan(sequence) & (trip_text != "").to_numpy())
    n = len(trip_ids)
    trip = trip_codes[order]
    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]]) if len(trip) else np.array([], dtype=np.int64)
    seg_trip, last_rows = trip[starts], np.r_[starts[1:], len(trip)] - 1
    stop_codes, stop_ids = pd.factorize(column(stop_times, "stop_id"))
    stop = stop_codes[order]
    stop_lat, stop_lon, station = _stations(feed, pd.Index(stop_ids))
    result = _StopTimes(
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


def _lengths(feed: FeedTables, times: _StopTimes, shape_ids: np.ndarray,
             warnings: list[str]) -> tuple[np.ndarray, np.ndarray, str | None, float | None, str | None]:
    """Per trip code: length in metres and method; and the shape_dist_traveled unit, ratio and reference."""
    shape_m = _shape_lengths(feed, shape_ids, times.first_stop, times.last_stop, times.stop_lat, times.stop_lon)
    n = len(shape_ids)
    length_m, method = np.zeros(n), np.full(n, UNKNOWN)
    unit = ratio = reference = None
    span = times.sdt_span
    with_sdt = (times.sdt_points >= 2) & (span > 0)
    if times.sdt_share >= MIN_SHAPE_DIST_SHARE and with_sdt.any():
        on_shape = with_sdt & (shape_m > 0)
        if on_shape.any():
            reference = "shapes"
            unit, ratio = _infer_unit(span[on_shape], shape_m[on_shape])
        else:
            reference = "stops"
            unit, ratio = _infer_unit(span[with_sdt], times.haversine_m[with_sdt] * STOP_DETOUR)
            ratio = ratio * STOP_DETOUR if ratio is not None else None  # record the raw ratio
        if unit is None:
            warnings.append(f"shape_dist_traveled unit not recognised (median ratio {ratio:.6g} to the "
                            f"{'shape' if reference == 'shapes' else 'stop-to-stop'} distances is not near m, km, "
                            "mi or ft): trip lengths from geometry instead")
    if unit is not None:
        length_m[with_sdt], method[with_sdt] = span[with_sdt] / UNITS_PER_METRE[unit], SHAPE_DIST
    by_shape = (method == UNKNOWN) & (shape_m > 0)
    length_m[by_shape], method[by_shape] = shape_m[by_shape], SHAPE_GEOMETRY
    by_stops = (method == UNKNOWN) & (times.haversine_m > 0)
    length_m[by_stops], method[by_stops] = times.haversine_m[by_stops], STOP_HAVERSINE
    return length_m, method, unit, ratio, reference


def _frequencies(feed: FeedTables, trip_ids: pd.Index, warnings: list[str]) -> tuple[np.ndarray, ...]:
    """Trip codes listed in frequencies.txt (mask), and its valid rows: trip code, start seconds,
    number of runs, headway seconds."""
    frequencies = table(feed, "frequencies")
    trip = trip_ids.get_indexer(column(frequencies, "trip_id"))
    listed = np.zeros(len(trip_ids), dtype=bool)
    listed[trip[trip >= 0]] = True
    begin = gtfs_seconds(column(frequencies, "start_time")).to_numpy()
    end = gtfs_seconds(column(frequencies, "end_time")).to_numpy()
    headway = numeric(frequencies, "headway_secs").to_numpy()
    ok = (trip >= 0) & (headway > 0) & (end > begin)  # NaN compares False
    if (~ok).any():
        warnings.append(f"{int((~ok).sum())} frequencies.txt row(s) with an unknown trip, a bad time or headway: "
                        "ignored")
    return listed, trip[ok], begin[ok], np.ceil((end[ok] - begin[ok]) / headway[ok]), headway[ok]


def _prepare(feed: FeedTables) -> _Trips:
    warnings: list[str] = []
    times = _stop_times(feed)
    trips = table(feed, "trips")
    trip_row = _first_row(column(trips, "trip_id"), times.trip_ids)
    known = trip_row >= 0
    if (~known).any():
        warnings.append(f"{int((~known).sum())} trip(s) of stop_times.txt are not in trips.txt: not counted")

    def per_trip(name: str) -> np.ndarray:
        values = column(trips, name).to_numpy(dtype=object)
        return np.where(known, values[np.maximum(trip_row, 0)] if len(values) else "", "")

    length_m, method, unit, ratio, reference = _lengths(feed, times, per_trip("shape_id"), warnings)
    listed, freq_trip, freq_start, freq_count, freq_headway = _frequencies(feed, times.trip_ids, warnings)
    runs = np.where(times.has_rows & ~listed, 1.0, 0.0)  # a template runs only by its frequencies
    runs += np.bincount(freq_trip, weights=freq_count, minlength=len(runs))

    service_text = per_trip("service_id")
    services = pd.Index(pd.unique(np.concatenate([
        service_text, column(table(feed, "calendar"), "service_id").to_numpy(dtype=object),
        column(table(feed, "calendar_dates"), "service_id").to_numpy(dtype=object)]))).drop("", errors="ignore")
    route_text = per_trip("route_id")
    route_codes, _ = pd.factorize(route_text)
    return _Trips(
        ids=np.asarray(times.trip_ids, dtype=object), services=services, service=services.get_indexer(service_text),
        route=np.where(route_text != "", route_codes, -1), start=times.start, duration=times.duration,
        length_km=length_m / 1000.0, method=method, runs=runs, row_trip=times.row_trip,
        row_station=times.station[times.row_stop], freq_trip=freq_trip, freq_start=freq_start,
        freq_count=freq_count, freq_headway=freq_headway, unit=unit, unit_ratio=ratio, unit_reference=reference,
        warnings=warnings)


# ---------------------------------------------------------------------------------------------
# service days


def _epoch_days(values: pd.Series) -> np.ndarray:
    """YYYYMMDD text as days since 1970-01-01 (floats, NaN when not a date)."""
    dates = gtfs_dates(values)
    days = np.full(len(dates), np.nan)
    ok = dates.notna().to_numpy()
    days[ok] = dates[ok].to_numpy().astype("datetime64[D]").astype(np.int64)
    return days


def _day(value: date) -> int:
    return (value - _EPOCH).days


def _date(day: float) -> date:
    return _EPOCH + timedelta(days=int(day))


@dataclass
class _Calendars:
    code: np.ndarray  # calendar rows: service code
    start: np.ndarray
    end: np.ndarray
    weekdays: np.ndarray  # rows × 7 booleans
    exception_code: np.ndarray  # calendar_dates rows
    exception_day: np.ndarray
    exception_type: np.ndarray


def _calendars(feed: FeedTables, services: pd.Index) -> _Calendars:
    calendar = table(feed, "calendar")
    code = services.get_indexer(column(calendar, "service_id"))
    start, end = _epoch_days(column(calendar, "start_date")), _epoch_days(column(calendar, "end_date"))
    weekdays = np.column_stack([(column(calendar, day) == "1").to_numpy() for day in WEEKDAYS]) if len(calendar) \
        else np.zeros((0, 7), dtype=bool)
    ok = (code >= 0) & ~np.isnan(start) & ~np.isnan(end)
    dates = table(feed, "calendar_dates")
    e_code = services.get_indexer(column(dates, "service_id"))
    e_day = _epoch_days(column(dates, "date"))
    e_type = column(dates, "exception_type").to_numpy(dtype=object)
    e_ok = (e_code >= 0) & ~np.isnan(e_day) & np.isin(e_type, ["1", "2"])
    return _Calendars(code[ok], start[ok].astype(np.int64), end[ok].astype(np.int64), weekdays[ok],
                      e_code[e_ok], e_day[e_ok].astype(np.int64), np.where(e_type[e_ok] == "1", 1, 2))


def _service_matrix(calendars: _Calendars, n_services: int, first_day: int, last_day: int) -> np.ndarray:
    """services × days (first_day..last_day) booleans: whether the service runs that day."""
    days = np.arange(first_day, last_day + 1)
    matrix = np.zeros((n_services, len(days)), dtype=bool)
    c = calendars
    if len(c.code):
        rows = (days >= c.start[:, None]) & (days <= c.end[:, None]) & c.weekdays[:, (days + 3) % 7]
        np.logical_or.at(matrix, c.code, rows)
    inside = (c.exception_day >= first_day) & (c.exception_day <= last_day)
    for kind, value in ((1, True), (2, False)):
        chosen = inside & (c.exception_type == kind)
        matrix[c.exception_code[chosen], c.exception_day[chosen] - first_day] = value
    return matrix


def _service_span(calendars: _Calendars, used: np.ndarray) -> tuple[float, float]:
    """(first, last) day of the service calendars of the `used` services: start_date..end_date of
    each calendar.txt row that runs on at least one day (weekdays counted arithmetically, removed
    dates subtracted, no expansion), and each added date not also removed. NaN when none."""
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


# ---------------------------------------------------------------------------------------------
# figures


def _per_service(trips: _Trips, values: np.ndarray) -> np.ndarray:
    ok = trips.service >= 0
    return np.bincount(trips.service[ok], weights=values[ok], minlength=len(trips.services))


def daily_figures(feed: FeedTables, first: date, last: date) -> pd.DataFrame:
    """Per day from `first` to `last`: date, trips (runs), service_hours, vehicle_km (measured)."""
    trips = _prepare(feed)
    matrix = _service_matrix(_calendars(feed, trips.services), len(trips.services), _day(first), _day(last)) * 1.0
    return pd.DataFrame({
        "date": [first + timedelta(days=i) for i in range(matrix.shape[1])],
        "trips": _per_service(trips, trips.runs) @ matrix,
        "service_hours": _per_service(trips, trips.runs * trips.duration / 3600) @ matrix,
        "vehicle_km": _per_service(trips, trips.runs * trips.length_km) @ matrix,
    })


def _covered_window(feed: FeedTables, calendars: _Calendars, used: np.ndarray, coverage: str) -> tuple[float, float]:
    """[first, last] day covered by the feed (first > last when none)."""
    first, last = _service_span(calendars, used)
    if coverage == "feed_info":
        info = table(feed, "feed_info")
        declared = [_epoch_days(column(info, name)[:1]) for name in ("feed_start_date", "feed_end_date")]
        first = declared[0][0] if len(declared[0]) and not np.isnan(declared[0][0]) else first
        last = declared[1][0] if len(declared[1]) and not np.isnan(declared[1][0]) else last
    if np.isnan(first) or np.isnan(last):
        return 1.0, 0.0
    return first, last


def _peak(trips: _Trips, today: np.ndarray, yesterday: np.ndarray) -> int | None:
    """Most trip runs in service at once on a day (services running `today`), with the runs of
    `yesterday` past midnight; half-open [start, end) intervals."""
    begins, ends = [], []
    for services, shift in ((today, 0.0), (yesterday, -86400.0)):
        active = (trips.service >= 0) & services[np.maximum(trips.service, 0)] & ~np.isnan(trips.start)
        plain = active & (trips.runs > 0) & ~np.isin(np.arange(len(trips.runs)), trips.freq_trip)
        begins.append(trips.start[plain] + shift)
        ends.append(trips.start[plain] + trips.duration[plain] + shift)
        rows = active[trips.freq_trip]
        count = trips.freq_count[rows].astype(np.int64)
        owner = np.repeat(np.arange(len(count)), count)
        k = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
        run_start = trips.freq_start[rows][owner] + k * trips.freq_headway[rows][owner]
        begins.append(run_start + shift)
        ends.append(run_start + trips.duration[trips.freq_trip[rows]][owner] + shift)
    begin, end = np.concatenate(begins), np.concatenate(ends)
    begin = np.maximum(begin, 0.0)
    keep = end > begin
    if not keep.any():
        return None
    times = np.r_[begin[keep], end[keep]]
    delta = np.r_[np.ones(keep.sum()), -np.ones(keep.sum())]
    order = np.lexsort((delta, times))  # at the same second, ends before starts
    return int(np.cumsum(delta[order]).max())


def _busiest(trips: _Trips, matrix: np.ndarray, day_runs: np.ndarray) -> tuple[int, int | None]:
    """The busiest day (index in the fee year) and its peak. Among days tied for the most runs, the
    peak is computed once per distinct (services today, services the day before) pair, at most 16,
    and the day with the highest peak wins (so that the first day of a span, without the night
    trips of the day before, does not hide the peak of the others)."""
    top = np.flatnonzero(day_runs == day_runs.max())
    pairs = np.concatenate([matrix[:, top + 1], matrix[:, top]]).T
    _, first = np.unique(pairs, axis=0, return_index=True)
    candidates = top[np.sort(first)][:16]
    peaks = [_peak(trips, matrix[:, day + 1], matrix[:, day]) for day in candidates]
    best = max(range(len(candidates)), key=lambda i: -1 if peaks[i] is None else peaks[i])
    return int(candidates[best]), peaks[best]


def network_metrics(feed: FeedTables, *, fee_year: int,
                    coverage: Literal["service", "feed_info"] = "service") -> NetworkMetrics:
    """Network size figures of `feed` for the calendar year `fee_year` (see the module docstring).

    Never raises on a broken or empty feed: figures are then 0 and `warnings` says why.
    """
    if coverage not in ("service", "feed_info"):
        raise ValueError(f"coverage must be 'service' or 'feed_info', not {coverage!r}")
    trips = _prepare(feed)
    warnings = list(trips.warnings)
    jan1, dec31 = _day(date(fee_year, 1, 1)), _day(date(fee_year, 12, 31))
    days_in_year = dec31 - jan1 + 1
    calendars = _calendars(feed, trips.services)
    matrix = _service_matrix(calendars, len(trips.services), jan1 - 1, dec31)  # + 31 Dec of the year before
    year = matrix[:, 1:]
    runs_s = _per_service(trips, trips.runs)
    first, last = _covered_window(feed, calendars, runs_s > 0, coverage)
    days = np.arange(jan1, dec31 + 1)
    covered = (days >= first) & (days <= last)
    covered_days = int(covered.sum())
    in_span = year & covered

    day_runs = runs_s @ in_span
    measured_trips = float(day_runs.sum())
    measured_hours = float(_per_service(trips, trips.runs * trips.duration / 3600) @ in_span.sum(axis=1))
    measured_km = float(_per_service(trips, trips.runs * trips.length_km) @ in_span.sum(axis=1))
    active_days = int((day_runs > 0).sum())

    active_service = in_span.any(axis=1)
    active = (trips.service >= 0) & active_service[np.maximum(trips.service, 0)] & (trips.runs > 0) \
        if len(trips.services) else np.zeros(len(trips.ids), dtype=bool)
    stops_served = int(len(np.unique(trips.row_station[active[trips.row_trip]]))) if len(trips.row_trip) else 0
    routes = int(len(np.unique(trips.route[active & (trips.route >= 0)])))
    busiest, peak = _busiest(trips, matrix, day_runs) if active_days else (None, None)

    yearly_runs = trips.runs * np.where(trips.service >= 0, in_span.sum(axis=1)[np.maximum(trips.service, 0)], 0) \
        if len(trips.services) else np.zeros(len(trips.ids))
    shares = np.bincount(trips.method, weights=yearly_runs, minlength=4)
    names = [f"{METHOD_NAMES[0]}:{trips.unit}", *METHOD_NAMES[1:]]
    methods = {names[i]: round(float(shares[i] / shares.sum()), 4) for i in range(4) if shares[i] > 0} \
        if shares.sum() > 0 else {}
    if methods.get("unknown"):
        warnings.append(f"{methods['unknown']:.1%} of the trip runs have no measurable length (no "
                        "shape_dist_traveled, shape or stop coordinates): counted as 0 km")

    if covered_days == 0:
        scale = 0.0
        warnings.append(f"no day of {fee_year} is inside the feed's service span"
                        f"{' (feed_info dates)' if coverage == 'feed_info' else ''}: all figures are 0")
    else:
        scale = days_in_year / covered_days
    measured = {"active_service_days": active_days, "trips": int(round(measured_trips)),
                "service_hours": round(measured_hours, 3), "vehicle_km": round(measured_km, 3),
                "stops_served": stops_served, "routes": routes, "peak_vehicles": peak}
    return NetworkMetrics(
        fee_year=fee_year, days_in_year=days_in_year, covered_days=covered_days, scale_factor=round(scale, 6),
        active_service_days=min(days_in_year, int(round(active_days * scale))),
        trips=int(round(measured_trips * scale)), service_hours=round(measured_hours * scale, 1),
        vehicle_km=round(measured_km * scale, 1), stops_served=stops_served, routes=routes, peak_vehicles=peak,
        vehicle_km_method=max(methods, key=methods.get) if methods else "none",
        unit_ratio=None if trips.unit_ratio is None else float(f"{trips.unit_ratio:.6g}"), measured=measured,
        warnings=warnings, coverage=coverage,
        covered_from=_date(max(first, jan1)).isoformat() if covered_days else None,
        covered_to=_date(min(last, dec31)).isoformat() if covered_days else None,
        busiest_day=_date(jan1 + busiest).isoformat() if busiest is not None else None,
        unit_reference=trips.unit_reference if trips.unit_ratio is not None else None, vehicle_km_methods=methods)


# ---------------------------------------------------------------------------------------------
# bike share (GBFS)

_GBFS_FEEDS = ("station_information", "station_status", "free_bike_status", "vehicle_status")


def _read_json(path: Path | None, warnings: list[str]) -> dict[str, Any] | None:
    if path is None or not path.is_file():
        return None
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        warnings.append(f"{path.name}: not read ({exc})")
        return None
    if not isinstance(value, dict):
        warnings.append(f"{path.name}: not a JSON object")
        return None
    return value


def _listed_files(discovery: dict[str, Any] | None) -> dict[str, str]:
    """Feed name → file name from gbfs.json (v1/v2: data.<language>.feeds, v3: data.feeds)."""
    data = (discovery or {}).get("data")
    if not isinstance(data, dict):
        return {}
    lists = [data.get("feeds")] if "feeds" in data else [v.get("feeds") for v in data.values() if isinstance(v, dict)]
    files: dict[str, str] = {}
    for feeds in lists:
        for entry in feeds if isinstance(feeds, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("url"), str):
                base = entry["url"].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
                files.setdefault(entry["name"], base if base.endswith(".json") else f"{base}.json")
    return files


def _items(document: dict[str, Any] | None, *keys: str) -> list[dict[str, Any]]:
    data = (document or {}).get("data")
    for key in keys:
        values = data.get(key) if isinstance(data, dict) else None
        if isinstance(values, list):
            return [v for v in values if isinstance(v, dict)]
    return []


def _count(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    try:
        number = float(value)
    except ValueError:
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def bike_share_size(snapshot_folder: Path) -> dict[str, Any]:
    """Size of a bike-share system from a GBFS snapshot folder (v1, v2 or v3; missing files give 0).

    stations: distinct non-empty station_id of station_information (else station_status); docks: sum of
    capacity (v3 vehicle_docks_capacity counts when capacity is absent); vehicles: at stations, the
    sum of num_bikes_available + num_bikes_disabled (v3 num_vehicles_*), plus the free-floating ones
    of free_bike_status / vehicle_status (those without a station_id when station_status was read,
    all of them otherwise).
    """
    folder = Path(snapshot_folder)
    warnings: list[str] = [] if folder.is_dir() else [f"snapshot folder {folder} not found"]
    discovery = _read_json(folder / "gbfs.json", warnings)
    listed = _listed_files(discovery)
    documents: dict[str, dict[str, Any] | None] = {}
    for name in _GBFS_FEEDS:
        candidates = [folder / f"{name}.json"] + ([folder / listed[name]] if name in listed else [])
        documents[name] = _read_json(next((p for p in candidates if p.is_file()), None), warnings)
    information = _items(documents["station_information"], "stations")
    status = _items(documents["station_status"], "stations")
    free = _items(documents["vehicle_status"], "vehicles") or _items(documents["free_bike_status"], "bikes", "vehicles")
    stations = {str(s["station_id"]) for s in (information or status) if s.get("station_id") not in (None, "")}
    docks = 0.0
    for station in information:
        capacity = station.get("capacity")
        if capacity is None and isinstance(station.get("vehicle_docks_capacity"), list):
            capacity = sum(_count(d.get("count")) for d in station["vehicle_docks_capacity"] if isinstance(d, dict))
        docks += _count(capacity)
    at_stations = sum(_count(s.get("num_bikes_available", s.get("num_vehicles_available")))
                      + _count(s.get("num_bikes_disabled", s.get("num_vehicles_disabled"))) for s in status)
    floating = sum(1 for v in free if not (status and v.get("station_id")))
    versions = [d.get("version") for d in (discovery, *documents.values()) if d and isinstance(d.get("version"), str)]
    if not information and not status and not free:
        warnings.append("no station or vehicle found in the snapshot")
    return {
        "stations": len(stations), "vehicles": int(at_stations) + floating, "docks": int(docks),
        "vehicles_at_stations": int(at_stations), "vehicles_free_floating": floating,
        "version": versions[0] if versions else None,
        "files": sorted([n for n, d in documents.items() if d is not None] + (["gbfs"] if discovery else [])),
        "warnings": warnings,
    }
