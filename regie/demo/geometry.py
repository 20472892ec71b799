"""Geometry of the demo network: polylines densified into curved shapes, spacing between stops."""

from __future__ import annotations

import numpy as np

from regie.gtfs.geo import EARTH_RADIUS_M, haversine_m

_DEG = np.pi / 180.0


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
