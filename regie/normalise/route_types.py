"""Extended route types (Google's 100-1702 hierarchy) mapped to the basic GTFS ones; the original
value is kept in `route_type_original` (added only when a value was mapped)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from quality.rules._common import column, to_numbers

# (first, last, basic type); the first matching range wins, exact codes before their hundred
_RANGES: tuple[tuple[int, int, int], ...] = (
    (405, 405, 12),     # monorail
    (800, 899, 11),     # trolleybus
    (1400, 1499, 7),    # funicular
    (1701, 1701, 5),    # cable car (street-level, cable-drawn)
    (100, 199, 2),      # railway
    (200, 299, 3),      # coach
    (300, 399, 2),      # suburban railway
    (400, 499, 1),      # urban railway / metro
    (500, 699, 1),      # metro, underground
    (700, 799, 3),      # bus
    (900, 999, 0),      # tram
    (1000, 1099, 4),    # water transport
    (1100, 1199, 3),    # air service: no basic type; bus-like, noted
    (1200, 1299, 4),    # ferry
    (1300, 1399, 6),    # aerial lift
    (1500, 1599, 3),    # taxi
    (1600, 1699, 3),    # self drive
    (1700, 1799, 3),    # miscellaneous
)


def map_route_types(routes: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """New routes frame with basic route types, and notes."""
    raw = column(routes, "route_type")
    codes = to_numbers(raw).to_numpy()
    conditions = [(codes >= lo) & (codes <= hi) for lo, hi, _ in _RANGES]
    mapped = np.select(conditions, [basic for *_, basic in _RANGES], default=-1)
    extended = mapped >= 0
    if not extended.any():
        return routes, []
    routes = routes.copy()
    routes["route_type_original"] = raw.where(pd.Series(extended, index=routes.index), "")
    routes["route_type"] = pd.Series(np.where(extended, mapped.astype(str), raw.to_numpy()), index=routes.index, dtype="str")
    pairs = pd.DataFrame({"from": raw[extended], "to": routes["route_type"][extended]}).value_counts().sort_index()
    listed = ", ".join(f"{a}→{b} ({n})" for (a, b), n in pairs.items())
    return routes, [f"extended route types mapped to basic ones: {listed}; originals in route_type_original"]
