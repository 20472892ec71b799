"""Pairs of points within a distance, from a grid spatial index (numpy only, vectorised).

The grid has cells of `max_distance_m` in latitude and at least that in longitude (cell width in
degrees taken at the highest latitude of the input, where a degree of longitude is shortest), so
every pair within the distance lies in the same or a neighbouring cell. Points are sorted by cell
key; each of the 9 neighbour offsets is a `searchsorted` range, expanded with `np.repeat`. Exact
distances are then great-circle (haversine) distances.
"""

from __future__ import annotations

import numpy as np

from regie.gtfs.geo import haversine_m

METRES_PER_DEGREE = 111_195.0


def _expand_ranges(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) for every position in the ranges [starts[k], ends[k])."""
    counts = np.maximum(ends - starts, 0)
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(starts)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.repeat(starts, counts) + offsets


def pairs_within(
    lat: np.ndarray, lon: np.ndarray, max_distance_m: float, *, groups: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index pairs (i, j) with i < j whose distance is at most `max_distance_m`, and the distances.

    With `groups` (one label per point), only pairs of different groups are returned (e.g. stops of
    different operators). Points with a missing coordinate are never paired.
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    empty = (np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([], dtype=float))
    valid = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if len(valid) < 2 or max_distance_m <= 0:
        return empty
    vlat, vlon = lat[valid], lon[valid]
    cell_lat = max_distance_m / METRES_PER_DEGREE
    cos_min = max(np.cos(np.radians(min(np.abs(vlat).max() + cell_lat, 89.0))), 1e-6)
    cell_lon = cell_lat / cos_min
    iy = np.floor((vlat - vlat.min()) / cell_lat).astype(np.int64) + 1
    ix = np.floor((vlon - vlon.min()) / cell_lon).astype(np.int64) + 1
    height = int(iy.max()) + 2
    keys = ix * height + iy
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            wanted = keys + dx * height + dy
            starts = np.searchsorted(sorted_keys, wanted, side="left")
            ends = np.searchsorted(sorted_keys, wanted, side="right")
            owner, position = _expand_ranges(starts, ends)
            other = order[position]
            keep = owner < other
            left.append(owner[keep])
            right.append(other[keep])
    i = np.concatenate(left)
    j = np.concatenate(right)
    if groups is not None:
        labels = np.asarray(groups)[valid]
        keep = labels[i] != labels[j]
        i, j = i[keep], j[keep]
    distance = haversine_m(vlat[i], vlon[i], vlat[j], vlon[j])
    keep = distance <= max_distance_m
    i, j, distance = valid[i[keep]], valid[j[keep]], distance[keep]
    order = np.lexsort((j, i))
    return i[order].astype(np.int64), j[order].astype(np.int64), distance[order]
