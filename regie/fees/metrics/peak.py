"""Peak vehicles: on the busiest day of the covered days (most trip runs; among tied days, the one
with the highest figure), the maximum number of trip runs in service at once (start to end,
half-open), including the previous service day's runs past midnight. A LOWER BOUND of the fleet:
blocks, layovers, deadheads and reserves are ignored. None when no trip run has times."""

from __future__ import annotations

import numpy as np

from regie.fees.metrics.trips import Trips


def peak_vehicles(trips: Trips, today: np.ndarray, yesterday: np.ndarray) -> int | None:
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


def busiest_day_peak(trips: Trips, matrix: np.ndarray, day_runs: np.ndarray) -> tuple[int, int | None]:
    """The busiest day (index in the fee year) and its peak. Among days tied for the most runs, the
    peak is computed once per distinct (services today, services the day before) pair, at most 16,
    and the day with the highest peak wins (so that the first day of a span, without the night
    trips of the day before, does not hide the peak of the others)."""
    top = np.flatnonzero(day_runs == day_runs.max())
    pairs = np.concatenate([matrix[:, top + 1], matrix[:, top]]).T
    _, first = np.unique(pairs, axis=0, return_index=True)
    candidates = top[np.sort(first)][:16]
    peaks = [peak_vehicles(trips, matrix[:, day + 1], matrix[:, day]) for day in candidates]
    ranks = [-1 if peak is None else peak for peak in peaks]
    best = max(range(len(candidates)), key=ranks.__getitem__)
    return int(candidates[best]), peaks[best]
