"""pool_duplicate_trip (WARNING): trips of two operators with the same stop sequence (a stop stands
for its hub when it is in one, else for itself), the same arrival and departure times, and at least
one common service date. Each trip's signature is hashed (two 64-bit hashes of the rows with their
position, summed per trip, and the row count), so trips are grouped, never compared pairwise. One
finding per pair of trips.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from quality.notices import Severity, notices_frame
from regie.gtfs.columns import column, gtfs_seconds, raw_column, text_codes
from regie.gtfs.times import format_seconds
from regie.integrate.checks.common import DEFAULT_SETTINGS, OperatorDates, PoolCheckSettings, contexts, findings, operator_pairs
from regie.integrate.normalise import NormalisedFeed

DUPLICATE_TRIP = "pool_duplicate_trip"
SEVERITY = Severity.WARNING
_STOP_KEY_HASH = "regie-pool-hash1"  # 16 characters (pandas' hash key)
_SEEDS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))  # two independent 64-bit hashes


def _mix(values: np.ndarray, seed: np.uint64) -> np.ndarray:
    """splitmix64 of uint64 values (vectorised, wraps modulo 2**64)."""
    z = values.astype(np.uint64) + seed
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@dataclass(frozen=True)
class TripTimes:
    """One operator's stop_times as integer arrays, rows in trip then stop_sequence order:
    `trip` and `stop` are codes into `trip_ids` and `stop_ids`, times in seconds (-1: none).
    From a compacted table, built on its codes without touching its rows' text."""

    trip_ids: np.ndarray
    stop_ids: np.ndarray
    trip: np.ndarray
    stop: np.ndarray
    arrival: np.ndarray
    departure: np.ndarray

    @classmethod
    def of(cls, stop_times: pd.DataFrame | None) -> TripTimes:
        if stop_times is None or not len(stop_times):
            empty = np.zeros(0, dtype=np.int32)
            return cls(np.array([], dtype=object), np.array([], dtype=object), empty, empty, empty, empty)
        trip, trip_ids = text_codes(raw_column(stop_times, "trip_id"))
        seq_codes, seq_values = text_codes(raw_column(stop_times, "stop_sequence"))
        sequence = pd.to_numeric(pd.Series(seq_values, dtype="str"), errors="coerce").to_numpy(dtype=float)[seq_codes]
        order = np.lexsort((sequence, trip))
        stop, stop_ids = text_codes(raw_column(stop_times, "stop_id"))

        def seconds(name: str) -> np.ndarray:  # each distinct time parsed once
            codes, distinct = text_codes(raw_column(stop_times, name))
            parsed = gtfs_seconds(pd.Series(distinct, dtype="str")).fillna(-1).to_numpy(dtype=np.int32)
            return parsed[codes[order]]

        return cls(np.asarray(trip_ids, dtype=object), np.asarray(stop_ids, dtype=object),
                   trip[order].astype(np.int32), stop[order].astype(np.int32), seconds("arrival_time"),
                   seconds("departure_time"))


def _operator_signatures(operator_id: str, times: TripTimes, hub_of: pd.Series, min_stops: int) -> pd.DataFrame:
    keys = pd.Series(times.stop_ids, dtype="str")
    hubbed = keys.map(hub_of)
    keys = hubbed.where(hubbed.notna(), keys).astype("str")
    key_hash = pd.util.hash_array(keys.to_numpy(dtype=object), hash_key=_STOP_KEY_HASH)
    starts = np.flatnonzero(np.r_[True, times.trip[1:] != times.trip[:-1]])
    counts = np.diff(np.r_[starts, len(times.trip)])
    position = np.arange(len(times.trip)) - np.repeat(starts, counts)
    out = pd.DataFrame({"operator_id": operator_id, "trip_id": times.trip_ids[times.trip[starts]],
                        "stops": counts, "first_departure": times.departure[starts].astype(np.int64)})
    fields = (key_hash[times.stop], times.arrival.astype(np.int64).astype(np.uint64),
              times.departure.astype(np.int64).astype(np.uint64), position.astype(np.uint64))
    for name, seed in zip(("h1", "h2"), _SEEDS, strict=True):
        h = np.zeros(len(times.trip), dtype=np.uint64)
        for n, values in enumerate(fields):
            h ^= _mix(values, seed + np.uint64(n)) * np.uint64(2 * n + 1)
        out[name] = np.add.reduceat(h, starts)  # wraps modulo 2**64: fine for a hash
    return out[counts >= min_stops]


def _trip_signatures(feeds: Mapping[str, NormalisedFeed], hub_of: pd.Series, min_stops: int) -> pd.DataFrame:
    """operator_id, trip_id, stops, first_departure, h1, h2 for trips with at least `min_stops` rows.

    A trip's signature sums, over its stop times in sequence order, a hash of (stop key = its hub
    or its own id, arrival, departure, position): equal trips of two operators collide. Works on
    the integer arrays of `TripTimes`, one operator at a time."""
    parts = []
    for feed in feeds.values():
        times = TripTimes.of(feed.get("stop_times"))
        if len(times.trip):
            parts.append(_operator_signatures(feed.operator_id, times, hub_of, min_stops))
    if not parts:
        return pd.DataFrame(columns=["operator_id", "trip_id", "stops", "first_departure", "h1", "h2"])
    return pd.concat(parts, ignore_index=True)


def _day(values: pd.Series) -> pd.Series:
    """YYYY-MM-DD of dates."""
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d")


def _clock(seconds: pd.Series) -> pd.Series:
    """HH:MM:SS, "(no time)" for a missing one (-1)."""
    return format_seconds(seconds.astype(float).where(seconds >= 0)).replace("", "(no time)")


def duplicate_trips(feeds: Mapping[str, NormalisedFeed], hub_of: pd.Series,
                    settings: PoolCheckSettings = DEFAULT_SETTINGS, *,
                    operator_dates: OperatorDates | None = None) -> pd.DataFrame:
    """pool_duplicate_trip findings: one per pair of trips of two operators (module docstring)."""
    signatures = _trip_signatures(feeds, hub_of, max(settings.duplicate_trip_min_stops, 1))
    keys = ["h1", "h2", "stops"]
    spread = signatures.groupby(keys)["operator_id"].transform("nunique") if len(signatures) else pd.Series([])
    candidates = signatures[spread > 1]
    if not len(candidates):
        return notices_frame()
    operator_dates, involved = operator_dates or OperatorDates(), set(candidates["operator_id"])
    trip_parts, date_parts = [], []
    for feed in feeds.values():
        trips = feed.tables.get("trips")
        if trips is None or feed.operator_id not in involved:
            continue
        trip_parts.append(pd.DataFrame({"trip_id": column(trips, "trip_id"), "route_id": column(trips, "route_id"),
                                        "service_id": column(trips, "service_id")}))
        date_parts.append(operator_dates(feed))
    trips = pd.concat(trip_parts, ignore_index=True).drop_duplicates("trip_id")
    dates = pd.concat(date_parts, ignore_index=True)
    running = candidates.merge(trips, on="trip_id").merge(dates, on="service_id")
    running = running[["operator_id", "trip_id", "route_id", "date", *keys]]
    pairs = operator_pairs(running, [*keys, "date"])
    if not len(pairs):
        return notices_frame()
    grouped = pairs.groupby(["operator_id_a", "operator_id_b", "trip_id_a", "trip_id_b", "route_id_a", "route_id_b"])
    found = grouped["date"].agg(["size", "min", "max"]).reset_index()
    found = found.merge(candidates[["trip_id", "stops", "first_departure"]].rename(columns={"trip_id": "trip_id_a"}),
                        on="trip_id_a")
    found = found.rename(columns={"operator_id_a": "operator_a", "operator_id_b": "operator_b", "size": "common_dates"})
    found["first_departure"] = _clock(found["first_departure"])
    found["first_common_date"], found["last_common_date"] = _day(found["min"]), _day(found["max"])
    found = found.sort_values(["operator_a", "operator_b", "trip_id_a", "trip_id_b"], ignore_index=True)
    message = ("Trip " + found["trip_id_a"] + " of " + found["operator_a"] + " (route " + found["route_id_a"]
               + ") and trip " + found["trip_id_b"] + " of " + found["operator_b"] + " (route " + found["route_id_b"]
               + ") serve the same " + found["stops"].astype(str) + " stops at the same times from "
               + found["first_departure"] + " on " + found["common_dates"].astype(str) + " common date(s) ("
               + found["first_common_date"] + " to " + found["last_common_date"]
               + "), so the pool would publish one journey twice.")
    context = contexts(found, ["operator_a", "operator_b", "trip_id_a", "trip_id_b", "route_id_a", "route_id_b",
                               "stops", "first_departure", "common_dates", "first_common_date", "last_common_date"])
    return findings(DUPLICATE_TRIP, SEVERITY, message, context, file="trips.txt", field="trip_id")
