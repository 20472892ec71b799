"""shape_point_outlier (WARNING): a shape point far off the line between its two neighbours, a
spike out and back (a point at 0,0, lat/lon swapped, a digit lost): the detour through it,
d(prev, p) + d(p, next) - d(prev, next), is over SPIKE_MIN_DETOUR_M and over SPIKE_RATIO times
the direct distance. Transitland flags such shapes by a maximum segment length; a detour test
needs no length that would suit every mode (a ferry's straight crossing has long segments, a
spike has two long ones that cancel out). Canonical has point_near_origin for 0,0 alone.
"""

from __future__ import annotations

import pandas as pd

from quality.feed_tables import FeedTables
from quality.notices import Severity
from quality.rules import RuleContext
from quality.rules._common import (
    column,
    haversine_m,
    int_text,
    no_notices,
    notices,
    numeric,
    records,
    rows,
    table,
)

SPIKE_MIN_DETOUR_M = 5_000.0
SPIKE_RATIO = 10.0


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    shapes = table(feed, "shapes")
    if not len(shapes):
        return no_notices()
    frame = pd.DataFrame({
        "shape_id": column(shapes, "shape_id"), "sequence": numeric(shapes, "shape_pt_sequence"),
        "lat": numeric(shapes, "shape_pt_lat"), "lon": numeric(shapes, "shape_pt_lon"), "row": rows(shapes),
    })
    frame = frame[frame["sequence"].notna() & frame["lat"].notna() & frame["lon"].notna()]
    frame = frame.sort_values(["shape_id", "sequence", "row"], kind="stable").reset_index(drop=True)
    before, after = frame.shift(1), frame.shift(-1)
    inner = frame["shape_id"].eq(before["shape_id"]) & frame["shape_id"].eq(after["shape_id"])
    to_point = haversine_m(before["lat"], before["lon"], frame["lat"], frame["lon"])
    from_point = haversine_m(frame["lat"], frame["lon"], after["lat"], after["lon"])
    direct = haversine_m(before["lat"], before["lon"], after["lat"], after["lon"])
    detour = pd.Series(to_point + from_point - direct, index=frame.index)
    spike = inner & (detour > SPIKE_MIN_DETOUR_M) & (detour > SPIKE_RATIO * pd.Series(direct, index=frame.index))
    hits = frame[spike].assign(detour_m=detour[spike].round(0)).reset_index(drop=True)
    if hits.empty:
        return no_notices()
    hits["sequence"] = hits["sequence"].astype(str).str.removesuffix(".0")
    message = ("Shape " + hits["shape_id"] + " point " + hits["sequence"] + " (" + hits["lat"].astype(str) + ", "
               + hits["lon"].astype(str) + ") is a " + int_text(hits["detour_m"] / 1000) + " km detour off the line "
               "between its neighbours: its coordinates are probably wrong.")
    return notices("shape_point_outlier", Severity.WARNING, file="shapes.txt", row=hits["row"], field="shape_pt_lat",
                   message=message,
                   context=records(hits, {"shape_id": "shape_id", "sequence": "shape_pt_sequence", "lat": "shape_pt_lat",
                                          "lon": "shape_pt_lon", "detour_m": "detour_m"}))
