"""Trips and stop_times from patterns and headways, vectorised with numpy (one pass per pattern)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from regie.demo.network import Periods, hm

PEAKS = ((hm("7:00"), hm("9:30")), (hm("16:30"), hm("19:30")))


@dataclass(frozen=True)
class Pattern:
    """One stop sequence of a route in one direction, with its running times.

    `run_s[i]` is the running time from stop i-1 to stop i (run_s[0] == 0), `dwell_s[i]` the
    dwell at stop i (whole minutes), `dist_m[i]` the distance along `shape_id` at stop i.
    """

    pattern_id: str
    route_id: str
    direction_id: int
    headsign: str
    shape_id: str
    stop_ids: tuple[str, ...]
    run_s: np.ndarray
    dwell_s: np.ndarray
    dist_m: np.ndarray
    periods: dict[str, Periods]
    phase_min: int = 0
    peak_slowdown: float = 1.0
    timepoints: tuple[int, ...] | None = None


def departures(periods: Periods, phase_min: int) -> np.ndarray:
    """First-stop departure minutes: each period's headway from its start (+ phase) to its end,
    dropping a departure less than 5 minutes after the previous one (period boundaries)."""
    times: list[int] = []
    for first, end, headway in periods:
        for t in range(first + phase_min, end, headway):
            if not times or t >= times[-1] + 5:
                times.append(t)
    return np.asarray(times, dtype=np.int64)


@lru_cache(maxsize=1)
def _time_strings() -> np.ndarray:
    """'HH:MM:SS' for every second of 0..48 h (GTFS times run past 24:00:00)."""
    s = np.arange(48 * 3600)
    h, m, sec = s // 3600, s // 60 % 60, s % 60
    return np.array([f"{a:02d}:{b:02d}:{c:02d}" for a, b, c in zip(h, m, sec)], dtype=object)


def format_times(seconds: np.ndarray) -> np.ndarray:
    """Seconds after midnight (0 <= s < 48 h) -> GTFS 'HH:MM:SS' strings."""
    return _time_strings()[np.asarray(seconds, dtype=np.int64)]


def build_trips(
    patterns: list[Pattern], *, trip_extra: dict[str, dict] | None = None,
    train_numbers: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """trips.txt and stop_times.txt for `patterns` over their periods (service_id -> periods).

    Trip ids are `{pattern_id}-{service_id}-{nnn}`; times are whole minutes; peak trips of a
    pattern with `peak_slowdown` > 1 run that much slower. `trip_extra[route_id]` adds constant
    trip columns (wheelchair_accessible, bikes_allowed). `train_numbers` sets trip_short_name to a
    French-style train number (odd in direction 0, even in direction 1).
    """
    trips, chunks = [], []
    train = {0: 86401, 1: 86402}
    for p in patterns:
        n = len(p.stop_ids)
        cum_run = np.cumsum(p.run_s)
        cum_dwell = np.concatenate([[0], np.cumsum(p.dwell_s)[:-1]])
        for service_id in sorted(p.periods):
            dep_min = departures(p.periods[service_id], p.phase_min)
            if not len(dep_min):
                continue
            m = len(dep_min)
            peak = np.zeros(m, dtype=bool)
            for a, b in PEAKS:
                peak |= (dep_min >= a) & (dep_min < b)
            factor = np.where(peak, p.peak_slowdown, 1.0)
            rel = factor[:, None] * cum_run[None, :] + cum_dwell[None, :]
            arr = dep_min[:, None] * 60 + np.round(rel / 60.0).astype(np.int64) * 60
            dep = arr + p.dwell_s[None, :].astype(np.int64)
            dep[:, -1] = arr[:, -1]
            ids = [f"{p.pattern_id}-{service_id}-{k + 1:03d}" for k in range(m)]
            extra = (trip_extra or {}).get(p.route_id, {})
            for trip_id in ids:
                row = {"route_id": p.route_id, "service_id": service_id, "trip_id": trip_id,
                       "trip_headsign": p.headsign, "direction_id": p.direction_id,
                       "shape_id": p.shape_id, **extra}
                if train_numbers:
                    row["trip_short_name"] = str(train[p.direction_id])
                    train[p.direction_id] += 2
                trips.append(row)
            pickup = np.zeros(n, dtype=np.int64)
            pickup[-1] = 1
            drop = np.zeros(n, dtype=np.int64)
            drop[0] = 1
            timepoint = np.asarray(p.timepoints if p.timepoints is not None else [1] * n)
            chunks.append(pd.DataFrame({
                "trip_id": np.repeat(np.asarray(ids, dtype=object), n),
                "arrival_time": format_times(arr.ravel()),
                "departure_time": format_times(dep.ravel()),
                "stop_id": np.tile(np.asarray(p.stop_ids, dtype=object), m),
                "stop_sequence": np.tile(np.arange(1, n + 1), m),
                "pickup_type": np.tile(pickup, m),
                "drop_off_type": np.tile(drop, m),
                "timepoint": np.tile(timepoint, m),
                "shape_dist_traveled": np.tile(np.round(p.dist_m, 1), m),
            }))
    stop_times = pd.concat(chunks, ignore_index=True)
    return pd.DataFrame(trips), stop_times
