"""stop_outside_region (WARNING): a located stop, station or entrance outside the region's
bounding box (only when the operator's region has one); most_stops_outside_region (ERROR): at
least `thresholds.outside_region_error_share` of the located stops are outside it, so the feed
is not this region's (a few stray stops stay warnings). Generic nodes and boarding areas
(location_type 3/4) without coordinates, or at 0,0 (a placeholder for none), are skipped, as are
values that are not numbers (canonical reports those). One notice per stop, so a cross-border line shows which stops leave
the region (the expectations suite judges the share of such stops)."""

from __future__ import annotations

import pandas as pd

from quality.notices import Severity, Source, notice, notices_frame
from quality.rules._common import combined, no_notices, notices, records
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
    strays = notices(
        "stop_outside_region", Severity.WARNING, file="stops.txt", row=hits["row"], field="stop_lat", message=message,
        context=records(hits, ["stop_id", "lat", "lon", "bbox"]),
    )
    share = len(hits) / len(located)
    if share < context.thresholds.outside_region_error_share:
        return strays
    most = notice(
        "most_stops_outside_region", Severity.ERROR, Source.REGIE,
        f"{len(hits)} of the feed's {len(located)} located stops ({share:.0%}) are outside the region's bounding box "
        f"{bbox_text} (min lon, min lat, max lon, max lat): this feed does not serve the region. Check the operator's URL "
        "or the region's bounding box.",
        file="stops.txt", outside=len(hits), located=len(located), share=round(share, 3), bbox=bbox_text,
    )
    return combined([notices_frame([most]), strays])
