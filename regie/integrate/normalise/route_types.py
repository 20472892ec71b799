"""Extended route types (Google's 100-1702 hierarchy) mapped to the basic GTFS ones (`regie.gtfs.modes`);
the original value is kept in `route_type_original` (added only when a value was mapped)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regie.gtfs.columns import column
from regie.gtfs.modes import extended_to_basic


def map_route_types(routes: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """New routes frame with basic route types, and notes."""
    raw = column(routes, "route_type")
    mapped, _ = extended_to_basic(raw)
    extended = mapped >= 0
    if not extended.any():
        return routes, []
    routes = routes.copy()
    routes["route_type_original"] = raw.where(pd.Series(extended, index=routes.index), "")
    routes["route_type"] = pd.Series(np.where(extended, mapped.astype(str), raw.to_numpy()), index=routes.index, dtype="str")
    pairs = pd.DataFrame({"from": raw[extended], "to": routes["route_type"][extended]}).value_counts().sort_index()
    listed = ", ".join(f"{a}→{b} ({n})" for (a, b), n in pairs.items())
    return routes, [f"extended route types mapped to basic ones: {listed}; originals in route_type_original"]
