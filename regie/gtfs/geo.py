"""Small spherical-geometry helpers on numpy arrays: distances, offsets, polyline densification."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
_DEG = np.pi / 180.0


def haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in metres between points (scalars or broadcastable arrays)."""
    p1, p2 = np.asarray(lat1, float) * _DEG, np.asarray(lat2, float) * _DEG
    dlat = p2 - p1
    dlon = (np.asarray(lon2, float) - np.asarray(lon1, float)) * _DEG
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point `north_m` metres north and `east_m` metres east of (lat, lon)."""
    dlat = north_m / EARTH_RADIUS_M / _DEG
    dlon = east_m / (EARTH_RADIUS_M * np.cos(lat * _DEG)) / _DEG
    return float(lat + dlat), float(lon + dlon)


def cumulative_m(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Distance along a polyline from its first point, in metres (same length as the input)."""
    steps = haversine_m(lats[:-1], lons[:-1], lats[1:], lons[1:])
    return np.concatenate([[0.0], np.cumsum(steps)])


def densify(
    lats, lons, *, step_m: float, bend: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Insert points every ~`step_m` metres between the vertices of a polyline.

    `bend` curves each leg sideways by a half sine wave of amplitude `bend` × leg length (the
    sign alternates by leg), so rail lines and ferry crossings do not look like rulers. Returns
    (lats, lons, vertex_index): `vertex_index[i]` is the position of input vertex i in the output.
    """
    lats, lons = np.asarray(lats, float), np.asarray(lons, float)
    out_lat, out_lon, index = [lats[:1]], [lons[:1]], [0]
    coslat = np.cos(lats.mean() * _DEG)
    for i in range(len(lats) - 1):
        leg = float(haversine_m(lats[i], lons[i], lats[i + 1], lons[i + 1]))
        n = max(1, int(np.ceil(leg / step_m)))
        t = np.arange(1, n + 1) / n
        la = lats[i] + (lats[i + 1] - lats[i]) * t
        lo = lons[i] + (lons[i + 1] - lons[i]) * t
        if bend and n > 1:
            # unit normal of the leg in a local metric frame, expressed back in degrees
            dn, de = (lats[i + 1] - lats[i]), (lons[i + 1] - lons[i]) * coslat
            norm = np.hypot(dn, de) or 1.0
            side = bend * leg * np.sin(np.pi * t) * (1 if i % 2 == 0 else -1)
            la = la + (-de / norm) * side / EARTH_RADIUS_M / _DEG
            lo = lo + (dn / norm) * side / (EARTH_RADIUS_M * coslat) / _DEG
        out_lat.append(la)
        out_lon.append(lo)
        index.append(index[-1] + n)
    return np.concatenate(out_lat), np.concatenate(out_lon), np.asarray(index)


def nearest_neighbour_m(lats, lons) -> np.ndarray:
    """Distance from each point to its nearest other point, in metres (O(n²), for n ≲ 5,000)."""
    lats, lons = np.asarray(lats, float), np.asarray(lons, float)
    d = haversine_m(lats[:, None], lons[:, None], lats[None, :], lons[None, :])
    np.fill_diagonal(d, np.inf)
    return d.min(axis=1)
