"""stop_too_close_to_another_stop (WARNING): two stops (location_type 0 or empty) without a
parent station less than MIN_SPACING_M apart: almost always one stop entered twice, which splits
its departures between two ids in a journey planner. Stops grouped under a station are left
alone (platforms of one station may share a point). The later row is reported, naming the
earlier one. (The canonical set has no such rule; a stop_id listed twice is its duplicate_key.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quality.notices import Severity
from quality.rules._common import no_notices, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import column, location_types, numeric, rows, table
from regie.gtfs.feed_tables import FeedTables
from regie.gtfs.geo import haversine_m

MIN_SPACING_M = 1.0
_CELL_DEG = 2 * MIN_SPACING_M / 111_000  # grid cell a bit over twice the spacing, in degrees of latitude


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    stops = table(feed, "stops")
    frame = pd.DataFrame({
        "stop_id": column(stops, "stop_id"), "parent": column(stops, "parent_station"),
        "location_type": location_types(stops), "lat": numeric(stops, "stop_lat"), "lon": numeric(stops, "stop_lon"),
        "row": rows(stops),
    })
    frame = frame.drop_duplicates("stop_id")  # a repeated stop_id is canonical's duplicate_key
    frame = frame[(frame["location_type"] == 0) & (frame["parent"] == "") & frame["lat"].notna()
                  & frame["lon"].notna() & ~((frame["lat"] == 0) & (frame["lon"] == 0))]
    if len(frame) < 2:
        return no_notices()
    # Neighbours through a grid: cells in latitude degrees, narrowed in longitude by cos(lat).
    frame = frame.assign(
        cy=np.floor(frame["lat"] / _CELL_DEG).astype("int64"),
        cx=np.floor(frame["lon"] * np.cos(np.radians(frame["lat"].clip(-89, 89))) / _CELL_DEG).astype("int64"),
    )
    shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]  # each stop's own cell and the 8 around
    neighbours = pd.concat([frame.assign(cy=frame["cy"] + dy, cx=frame["cx"] + dx) for dy, dx in shifts],
                           ignore_index=True)
    pairs = frame.merge(neighbours, on=["cy", "cx"], suffixes=("", "_other"))
    pairs = pairs[pairs["row_other"] < pairs["row"]]
    pairs = pairs.assign(distance_m=haversine_m(pairs["lat"], pairs["lon"], pairs["lat_other"], pairs["lon_other"]))
    hits = (pairs[pairs["distance_m"] < MIN_SPACING_M].sort_values(["row", "row_other"])
            .drop_duplicates(["row", "row_other"]).reset_index(drop=True))
    if hits.empty:
        return no_notices()
    hits["distance_m"] = hits["distance_m"].round(2)
    message = (
        "Stop " + hits["stop_id"] + " is " + hits["distance_m"].astype(str) + " m from stop " + hits["stop_id_other"]
        + " (less than " + f"{MIN_SPACING_M:g}" + " m): probably the same stop entered twice; merge them or group "
        "them under a parent station."
    )
    return notices(
        "stop_too_close_to_another_stop", Severity.WARNING, file="stops.txt", row=hits["row"], field="stop_lat",
        message=message,
        context=records(hits, {"stop_id": "stop_id", "stop_id_other": "other_stop_id", "row_other": "other_row",
                               "distance_m": "distance_m"}),
    )
