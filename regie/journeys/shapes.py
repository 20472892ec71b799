"""Shapes for the legs' geometry: the points of every shape in order, metres along each, and
where each hop of a trip departs and arrives along its trip's shape (metres).

A hop's position is read from shape_dist_traveled where both stop_times and the shape give it
(interpolated between the shape's points), else the nearest point of the shape to the stop."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from regie.gtfs.columns import numeric, table, text_codes
from regie.gtfs.feed_tables import TableLookup
from regie.gtfs.geo import haversine_m
from regie.journeys.stops import Stops
from regie.journeys.timetable import Hops

PROJECTION_CHUNK = 2_000_000  # shape points compared at once when projecting stops


@dataclass
class Shapes:
    ids: np.ndarray  # object (str)
    offsets: np.ndarray  # int32, len = shapes + 1
    lat: np.ndarray  # float64
    lon: np.ndarray  # float64
    metres: np.ndarray  # float32 along the shape from its first point
    feed_dist: np.ndarray  # float64 shape_dist_traveled (feed units), NaN
    feed_dist_usable: np.ndarray  # bool per shape: every point has a non-decreasing shape_dist_traveled

    @property
    def index(self) -> pd.Index:
        return pd.Index(self.ids)


def graph_shapes(feed: TableLookup) -> Shapes:
    shapes = table(feed, "shapes")
    codes, ids = text_codes(shapes["shape_id"]) if "shape_id" in shapes else (np.zeros(0, dtype=np.int64), pd.Index([]))
    lat, lon = numeric(shapes, "shape_pt_lat").to_numpy(), numeric(shapes, "shape_pt_lon").to_numpy()
    sequence = numeric(shapes, "shape_pt_sequence").to_numpy()
    ok = np.isfinite(lat) & np.isfinite(lon) & np.isfinite(sequence) & (ids.to_numpy(dtype=object) != "")[codes] \
        if len(shapes) else np.zeros(0, dtype=bool)
    rows = np.flatnonzero(ok)
    rows = rows[np.lexsort((sequence[rows], codes[rows]))]
    kept = np.unique(codes[rows])  # shapes with at least one usable point, renumbered
    ids = ids[kept]
    shape, lat, lon = np.searchsorted(kept, codes[rows]), lat[rows], lon[rows]
    feed_dist = numeric(shapes, "shape_dist_traveled").to_numpy()[rows]
    count = np.bincount(shape, minlength=len(ids))
    offsets = np.r_[0, np.cumsum(count)].astype(np.int32)
    same = np.r_[False, shape[1:] == shape[:-1]]
    step = np.where(same, np.r_[0.0, haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])], 0.0) if len(rows) else np.zeros(0)
    cumulative = np.cumsum(step)
    first = offsets[:-1][shape] if len(rows) else np.zeros(0, dtype=np.int64)
    metres = cumulative - cumulative[first] if len(rows) else cumulative
    bad = ~np.isfinite(feed_dist) | (same & (np.r_[0.0, np.diff(feed_dist)] < 0))
    usable = np.bincount(shape[bad], minlength=len(ids)) == 0
    return Shapes(ids=ids.to_numpy(dtype=object), offsets=offsets, lat=lat, lon=lon, metres=metres.astype(np.float32),
                  feed_dist=feed_dist, feed_dist_usable=usable & (count > 0))


def _by_feed_dist(shapes: Shapes, shape: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Metres along `shape` at shape_dist_traveled `value` (shapes with usable distances)."""
    if not len(shape):
        return np.zeros(0)
    width = float(np.nanmax(np.abs(shapes.feed_dist))) * 2 + 1 if len(shapes.feed_dist) else 1.0
    point_shape = np.repeat(np.arange(len(shapes.ids)), np.diff(shapes.offsets))
    key = point_shape * width + np.nan_to_num(shapes.feed_dist)
    at = np.searchsorted(key, shape * width + value, "right") - 1
    low = np.clip(at, shapes.offsets[shape], np.maximum(shapes.offsets[shape + 1] - 2, shapes.offsets[shape]))
    high = np.minimum(low + 1, shapes.offsets[shape + 1] - 1)
    span = shapes.feed_dist[high] - shapes.feed_dist[low]
    t = np.clip(np.where(span > 0, (value - shapes.feed_dist[low]) / np.where(span > 0, span, 1), 0), 0, 1)
    metres = shapes.metres.astype(np.float64)
    return metres[low] + t * (metres[high] - metres[low])


def _nearest(shapes: Shapes, shape: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Metres along `shape` of its point nearest to each (lat, lon); shape points are compared in
    chunks of PROJECTION_CHUNK, which bounds the memory."""
    out = np.full(len(shape), np.nan)
    count = (shapes.offsets[shape + 1] - shapes.offsets[shape]).astype(np.int64)
    chosen = np.flatnonzero((count > 0) & np.isfinite(lat) & np.isfinite(lon))
    cumulative = np.cumsum(count[chosen])
    begin = 0
    while begin < len(chosen):
        done = cumulative[begin - 1] if begin else 0
        end = max(int(np.searchsorted(cumulative, done + PROJECTION_CHUNK, "right")), begin + 1)
        part = chosen[begin:end]
        begin = end
        n = count[part]
        owner = np.repeat(np.arange(len(part)), n)
        point = np.repeat(shapes.offsets[shape[part]], n) + np.arange(len(owner)) - np.repeat(np.cumsum(n) - n, n)
        scale = np.cos(np.radians(lat[part]))[owner]
        d2 = (shapes.lat[point] - lat[part][owner]) ** 2 + ((shapes.lon[point] - lon[part][owner]) * scale) ** 2
        smallest = np.minimum.reduceat(d2, np.r_[0, np.cumsum(n)[:-1]])
        hits = np.flatnonzero(d2 == smallest[owner])
        _, first = np.unique(owner[hits], return_index=True)
        out[part] = shapes.metres[point[hits[first]]]
    return out


def hop_metres(hops: Hops, shapes: Shapes, trip_shape: np.ndarray, stops: Stops,
               chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float32 metres along the trip's shape at the departure and arrival of each `chosen` hop
    (NaN: no shape)."""
    hop_trip = np.searchsorted(hops.offsets, chosen, "right") - 1
    shape = trip_shape[hop_trip] if len(chosen) else np.zeros(0, dtype=np.int64)
    results = []
    for stop, value in ((hops.dep_stop[chosen], hops.dep_dist[chosen]), (hops.arr_stop[chosen], hops.arr_dist[chosen])):
        metres = np.full(len(shape), np.nan)
        has = shape >= 0
        by_dist = has & np.isfinite(value) & shapes.feed_dist_usable[np.maximum(shape, 0)] if len(shapes.ids) \
            else np.zeros(len(shape), dtype=bool)
        metres[by_dist] = _by_feed_dist(shapes, shape[by_dist], value[by_dist])
        rest = np.flatnonzero(has & ~by_dist)
        if len(rest):
            pairs, inverse = np.unique(np.c_[shape[rest], stop[rest]], axis=0, return_inverse=True)
            metres[rest] = _nearest(shapes, pairs[:, 0], stops.lat[pairs[:, 1]], stops.lon[pairs[:, 1]])[inverse.reshape(-1)]
        results.append(metres.astype(np.float32))
    return results[0], results[1]
