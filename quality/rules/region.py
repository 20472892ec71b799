"""stop_outside_region (WARNING): a located stop, station or entrance outside the region's
bounding box (only when the operator's region has one). Generic nodes and boarding areas
(location_type 3/4) without coordinates, or at 0,0 (a placeholder for none), are skipped, as are
values that are not numbers (canonical reports those). One notice per stop, so a cross-border line shows which stops leave
the region (the expectations suite judges the share of such stops)."""

from __future__ import annotations

import pandas as pd

from quality.notices import Severity
from quality.rules._common import no_notices, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import column, location_types, numeric, rows, table
from regie.gtfs.feed_tables import FeedTables


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    box = context.bbox
    if box is None:
        return no_notices()
    stops = table(feed, "stops")
    frame = pd.DataFrame({
        "stop_id": column(stops, "stop_id"), "lat": numeric(stops, "stop_lat"), "lon": numeric(stops, "stop_lon"),
        "row": rows(stops),
    })
    placeholder = location_types(stops).isin([3, 4]) & (frame["lat"] == 0) & (frame["lon"] == 0)
    located = frame[frame["lat"].notna() & frame["lon"].notna() & ~placeholder]
    inside = located["lat"].between(box.min_lat, box.max_lat) & located["lon"].between(box.min_lon, box.max_lon)
    hits = located[~inside].reset_index(drop=True)
    if hits.empty:
        return no_notices()
    bbox_text = f"{box.min_lon:g},{box.min_lat:g},{box.max_lon:g},{box.max_lat:g}"
    message = (
        "Stop " + hits["stop_id"] + " at " + hits["lat"].astype(str) + ", " + hits["lon"].astype(str)
        + " (lat, lon) is outside the region's bounding box " + bbox_text + " (min lon, min lat, max lon, max lat)."
    )
    hits["bbox"] = bbox_text
    return notices(
        "stop_outside_region", Severity.WARNING, file="stops.txt", row=hits["row"], field="stop_lat", message=message,
        context=records(hits, ["stop_id", "lat", "lon", "bbox"]),
    )
