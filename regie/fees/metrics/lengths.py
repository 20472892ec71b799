"""Trip lengths, by the first method that works for the trip:

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
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from regie.fees.metrics.stop_times import StopTimes, coordinates, sorted_rows
from regie.gtfs.columns import column, numeric, table
from regie.gtfs.feed_tables import FeedTables
from regie.gtfs.geo import haversine_m

UNITS_PER_METRE = {"m": 1.0, "km": 1e-3, "mi": 1 / 1609.344, "ft": 1 / 0.3048}
STOP_DETOUR = 1.1
"""Assumed ratio of the distance travelled to the sum of straight stop-to-stop distances."""
MIN_SHAPE_DIST_SHARE = 0.5
MAX_UNIT_MISMATCH = 2.0
SHAPE_DIST, SHAPE_GEOMETRY, STOP_HAVERSINE, UNKNOWN = 0, 1, 2, 3
METHOD_NAMES = ("shape_dist_traveled", "shape_geometry", "stop_haversine", "unknown")
_CANDIDATES_PER_CHUNK = 4_000_000


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
    lat, lon = coordinates(shapes, "shape_pt_lat", "shape_pt_lon")
    keep = (column(shapes, "shape_id") != "").to_numpy() & ~np.isnan(sequence) & ~np.isnan(lat) & ~np.isnan(lon)
    order = sorted_rows(codes, sequence, keep)
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
    unit = min(distance, key=distance.__getitem__)
    return (unit if distance[unit] <= math.log(MAX_UNIT_MISMATCH) else None), ratio



def trip_lengths(feed: FeedTables, times: StopTimes, shape_ids: np.ndarray,
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
