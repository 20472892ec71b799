"""Small spherical-geometry helpers on numpy arrays: great-circle distances, offsets, distance along a polyline."""

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
