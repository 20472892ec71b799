"""Every trip's hops (one per pair of consecutive stops) from stop_times.txt, as arrays grouped by
trip: the template that each trip instance of the graph repeats at its own day and start.

- Rows are ordered by (trip, stop_sequence); rows without a trip, a sequence or a known stop are
  left out (counted in the warnings).
- A row with only an arrival or only a departure time uses it for both. Untimed rows between two
  timed rows of their trip are interpolated linearly: by shape_dist_traveled when the three rows
  have one and it grows ("shape_dist"), else by position between the timepoints ("position"
  always by position). Times are rounded to the second. Untimed rows before the first or after the
  last timed row of a trip are left out.
- A hop arriving before it departs is left out (counted). pickup_type 1 at the departure row
  clears BOARDING_ALLOWED; drop_off_type 1 at the arrival row clears ALIGHTING_ALLOWED.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from regie.gtfs.columns import gtfs_seconds, numeric, raw_column, table, text_codes, trip_order
from regie.gtfs.feed_tables import TableLookup
from regie.journeys.graph import ALIGHTING_ALLOWED, BOARDING_ALLOWED


@dataclass
class Hops:
    trip_ids: pd.Index  # trip codes: the distinct trip_id of stop_times.txt
    offsets: np.ndarray  # int64, len = trips + 1: hops of trip t are offsets[t]:offsets[t + 1]
    dep_stop: np.ndarray  # int32 graph stop
    arr_stop: np.ndarray  # int32
    dep: np.ndarray  # int32 seconds of the service day (GTFS time)
    arr: np.ndarray  # int32
    seq: np.ndarray  # int32 position of the hop in its trip
    flags: np.ndarray  # uint8
    dep_dist: np.ndarray  # float64 shape_dist_traveled at departure (feed units), NaN
    arr_dist: np.ndarray  # float64 at arrival

    @property
    def trip_count(self) -> int:
        return len(self.trip_ids)

    def first_departure(self) -> np.ndarray:
        """Per trip code: the departure of its first hop (NaN when it has none)."""
        has = self.offsets[1:] > self.offsets[:-1]
        first = np.full(self.trip_count, np.nan)
        first[has] = self.dep[self.offsets[:-1][has]]
        return first

    def last_arrival(self) -> np.ndarray:
        """Per trip code: the arrival of its last hop (NaN when it has none)."""
        has = self.offsets[1:] > self.offsets[:-1]
        last = np.full(self.trip_count, np.nan)
        last[has] = self.arr[self.offsets[1:][has] - 1]
        return last


def _flag_is(values: pd.Series, code: str) -> np.ndarray:
    codes, distinct = text_codes(values)
    return (distinct.to_numpy(dtype=object) == code)[codes] if len(values) else np.zeros(0, dtype=bool)


def interpolate(arr: np.ndarray, dep: np.ndarray, group_start: np.ndarray, group_end: np.ndarray,
                dist: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill untimed rows (NaN in both arr and dep) of rows sorted by trip, group_start/end being
    each row's trip bounds (end exclusive); `dist`: shape_dist_traveled to interpolate by where
    usable, else by position. Returns arr, dep and the rows that have a time."""
    arr = np.where(np.isnan(arr), dep, arr)
    dep = np.where(np.isnan(dep), arr, dep)
    timed = ~np.isnan(arr)
    n = len(arr)
    position = np.arange(n)
    prev = np.maximum.accumulate(np.where(timed, position, -1)) if n else position
    nxt = np.minimum.accumulate(np.where(timed, position, n)[::-1])[::-1] if n else position
    fill = ~timed & (prev >= group_start) & (nxt < group_end)
    rows, p, q = position[fill], prev[fill], nxt[fill]
    fraction = (rows - p) / (q - p)
    if dist is not None and len(rows):
        span = dist[q] - dist[p]
        usable = np.isfinite(dist[rows]) & np.isfinite(span) & (span > 0)
        by_dist = np.clip((dist[rows] - dist[p]) / np.where(usable, span, 1.0), 0.0, 1.0)
        fraction = np.where(usable, by_dist, fraction)
    time = np.floor(dep[p] + fraction * (arr[q] - dep[p]) + 0.5)
    arr[rows], dep[rows] = time, time
    return arr, dep, timed | fill


COLUMNS = ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence", "pickup_type", "drop_off_type",
           "shape_dist_traveled")


def trip_hops(feed: TableLookup, stop_index: pd.Index, interpolation: str, warnings: list[str],
              wanted: Callable[[pd.Index], np.ndarray] | None = None) -> Hops:
    """The hops of every trip of stop_times.txt (see the module docstring); `stop_index`: the
    graph's stop ids, the position of an id being its stop number. `wanted`: which of the trip
    ids to read (the others get no hop), given the distinct trip ids; all when None."""
    stop_times = table(feed, "stop_times")
    trip_codes, trip_ids = text_codes(raw_column(stop_times, "trip_id"))
    if wanted is not None and len(stop_times):
        keep = wanted(trip_ids)[trip_codes]
        if not keep.all():  # only the rows of the wanted trips are read further
            stop_times = stop_times.loc[keep, [c for c in COLUMNS if c in stop_times.columns]]
            trip_codes = trip_codes[keep]
    stop_codes, stop_text = text_codes(raw_column(stop_times, "stop_id"))
    stop = stop_index.get_indexer(stop_text)[stop_codes] if len(stop_times) else np.zeros(0, dtype=np.int64)
    sequence = numeric(stop_times, "stop_sequence").to_numpy()
    known = (stop >= 0) & (trip_ids.to_numpy(dtype=object) != "")[trip_codes] if len(stop_times) else stop >= 0
    if (~known).any():
        warnings.append(f"{int((~known).sum())} stop_times row(s) without a trip_id or with an unknown stop: left out")
    sequence = np.where(known, sequence, np.nan)
    order = trip_order(trip_codes, sequence)
    order = np.arange(len(stop_times)) if order is None else order

    trip, stop = trip_codes[order], stop[order]
    arr = gtfs_seconds(raw_column(stop_times, "arrival_time")).to_numpy()[order]
    dep = gtfs_seconds(raw_column(stop_times, "departure_time")).to_numpy()[order]
    dist = numeric(stop_times, "shape_dist_traveled").to_numpy()[order] if "shape_dist_traveled" in stop_times \
        else np.full(len(order), np.nan)
    no_pickup = _flag_is(raw_column(stop_times, "pickup_type"), "1")[order]
    no_drop_off = _flag_is(raw_column(stop_times, "drop_off_type"), "1")[order]

    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]]) if len(trip) else np.zeros(0, dtype=np.int64)
    group = np.cumsum(np.r_[True, trip[1:] != trip[:-1]]) - 1 if len(trip) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(trip)]
    arr, dep, timed = interpolate(arr, dep, starts[group], ends[group],
                                  dist if interpolation == "shape_dist" else None)
    if (~timed).any():
        warnings.append(f"{int((~timed).sum())} stop_times row(s) without a time before the first or after the "
                        "last timepoint of their trip: left out")
        trip, stop, arr, dep, dist = trip[timed], stop[timed], arr[timed], dep[timed], dist[timed]
        no_pickup, no_drop_off = no_pickup[timed], no_drop_off[timed]

    same = trip[1:] == trip[:-1]
    hop = np.flatnonzero(same)  # row of each hop's departure; arrival at hop + 1
    backwards = arr[hop + 1] < dep[hop]
    if backwards.any():
        warnings.append(f"{int(backwards.sum())} hop(s) arriving before they depart: left out")
    first_row = np.flatnonzero(np.r_[True, ~same]) if len(trip) else np.zeros(0, dtype=np.int64)
    seq = hop - first_row[np.cumsum(np.r_[True, ~same])[hop] - 1]
    hop, seq = hop[~backwards], seq[~backwards]
    hop_trip = trip[hop]
    flags = np.where(no_pickup[hop], 0, BOARDING_ALLOWED) | np.where(no_drop_off[hop + 1], 0, ALIGHTING_ALLOWED)
    return Hops(
        trip_ids=trip_ids, offsets=np.searchsorted(hop_trip, np.arange(len(trip_ids) + 1)).astype(np.int64),
        dep_stop=stop[hop].astype(np.int32), arr_stop=stop[hop + 1].astype(np.int32),
        dep=dep[hop].astype(np.int32), arr=arr[hop + 1].astype(np.int32), seq=seq.astype(np.int32),
        flags=flags.astype(np.uint8), dep_dist=dist[hop], arr_dist=dist[hop + 1])
