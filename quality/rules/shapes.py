"""shape_point_outlier (WARNING): a shape point far off the line between its two neighbours, a
spike out and back (a point at 0,0, lat/lon swapped, a digit lost): the detour through it,
d(prev, p) + d(p, next) - d(prev, next), is over SPIKE_MIN_DETOUR_M and over SPIKE_RATIO times
the direct distance. Transitland flags such shapes by a maximum segment length; a detour test
needs no length that would suit every mode (a ferry's straight crossing has long segments, a
spike has two long ones that cancel out). Canonical has point_near_origin for 0,0 alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quality.notices import Severity
from quality.rules._common import int_text, no_notices, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import numeric, raw_column, rows, table, text_codes, trip_order
from regie.gtfs.feed_tables import FeedTables
from regie.gtfs.geo import haversine_m

SPIKE_MIN_DETOUR_M = 5_000.0
SPIKE_RATIO = 10.0


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    shapes = table(feed, "shapes")
    if not len(shapes):
        return no_notices()
    # on integer codes and numpy arrays, in (shape, sequence, row) order: no string sort, and no
    # sort at all when the file is in that order already (the usual case)
    shape, shape_ids = text_codes(raw_column(shapes, "shape_id"))
    sequence, lat, lon = (numeric(shapes, name).to_numpy() for name in ("shape_pt_sequence", "shape_pt_lat", "shape_pt_lon"))
    kept = np.flatnonzero(~np.isnan(sequence) & ~np.isnan(lat) & ~np.isnan(lon))
    order = trip_order(shape[kept], sequence[kept])
    at = kept if order is None else kept[order]
    shape, lat, lon = shape[at], lat[at], lon[at]
    # each inner point p against its neighbours: before, p, after
    inner = (shape[1:-1] == shape[:-2]) & (shape[1:-1] == shape[2:])
    direct = haversine_m(lat[:-2], lon[:-2], lat[2:], lon[2:])
    detour = haversine_m(lat[:-2], lon[:-2], lat[1:-1], lon[1:-1]) + haversine_m(lat[1:-1], lon[1:-1], lat[2:], lon[2:]) - direct
    spike = np.flatnonzero(inner & (detour > SPIKE_MIN_DETOUR_M) & (detour > SPIKE_RATIO * direct))
    if not len(spike):
        return no_notices()
    point = at[spike + 1]
    hits = pd.DataFrame({
        "shape_id": np.asarray(shape_ids, dtype=object)[shape[spike + 1]], "sequence": sequence[point],
        "lat": lat[spike + 1], "lon": lon[spike + 1], "row": rows(shapes).to_numpy()[point],
        "detour_m": np.round(detour[spike], 0),
    }).sort_values(["shape_id", "sequence", "row"], kind="stable", ignore_index=True)
    hits["sequence"] = hits["sequence"].astype(str).str.removesuffix(".0")
    message = ("Shape " + hits["shape_id"] + " point " + hits["sequence"] + " (" + hits["lat"].astype(str) + ", "
               + hits["lon"].astype(str) + ") is a " + int_text(hits["detour_m"] / 1000) + " km detour off the line "
               "between its neighbours: its coordinates are probably wrong.")
    return notices("shape_point_outlier", Severity.WARNING, file="shapes.txt", row=hits["row"], field="shape_pt_lat",
                   message=message,
                   context=records(hits, {"shape_id": "shape_id", "sequence": "shape_pt_sequence", "lat": "shape_pt_lat",
                                          "lon": "shape_pt_lon", "detour_m": "detour_m"}))
