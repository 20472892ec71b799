"""Pairs of points closer than a distance, on a grid of cells (no all-pairs comparison)."""

from __future__ import annotations

import numpy as np

from regie.gtfs.geo import haversine_m

METRES_PER_DEGREE = 111_195.0


def pairs_within(lat_a: np.ndarray, lon_a: np.ndarray, lat_b: np.ndarray, lon_b: np.ndarray,
                 max_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, metres) for every point i of a and j of b at most `max_m` apart (NaN points never
    pair; i == j included when a and b are the same points)."""
    empty = np.zeros(0, dtype=np.int64)
    ok_a, ok_b = np.flatnonzero(np.isfinite(lat_a) & np.isfinite(lon_a)), np.flatnonzero(np.isfinite(lat_b) & np.isfinite(lon_b))
    if max_m <= 0 or not len(ok_a) or not len(ok_b):
        return empty, empty, np.zeros(0)
    cell_lat = max_m / METRES_PER_DEGREE
    widest = np.cos(np.radians(min(np.abs(np.r_[lat_a[ok_a], lat_b[ok_b]]).max(), 89.0)))
    cell_lon = cell_lat / max(widest, 1e-6)  # a cell is at least max_m wide at the highest latitude
    ya, xa = np.floor(lat_a[ok_a] / cell_lat).astype(np.int64), np.floor(lon_a[ok_a] / cell_lon).astype(np.int64)
    yb, xb = np.floor(lat_b[ok_b] / cell_lat).astype(np.int64), np.floor(lon_b[ok_b] / cell_lon).astype(np.int64)
    y0, x0 = min(ya.min(), yb.min()) - 1, min(xa.min(), xb.min()) - 1
    width = max(xa.max(), xb.max()) - x0 + 2
    key_b = (yb - y0) * width + (xb - x0)
    order = np.argsort(key_b, kind="stable")
    sorted_keys = key_b[order]
    found_i, found_j = [], []
    for dy in (-1, 0, 1):  # the 9 neighbouring cells
        for dx in (-1, 0, 1):
            key = (ya + dy - y0) * width + (xa + dx - x0)
            lo, hi = np.searchsorted(sorted_keys, key, "left"), np.searchsorted(sorted_keys, key, "right")
            count = hi - lo
            i = np.repeat(np.arange(len(ya)), count)
            j = order[np.repeat(lo, count) + np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)]
            found_i.append(i)
            found_j.append(j)
    i, j = ok_a[np.concatenate(found_i)], ok_b[np.concatenate(found_j)]
    metres = haversine_m(lat_a[i], lon_a[i], lat_b[j], lon_b[j])
    keep = metres <= max_m
    return i[keep], j[keep], metres[keep]
