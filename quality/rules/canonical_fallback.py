"""Cross-file checks the canonical set makes but drops with a table it rejects.

gtfs-guru 1.0.0 leaves a whole table out of its cross-file checks when one row has the wrong
number of fields (invalid_row_length), the header has an empty or duplicated name
(empty_column_name, duplicated_column) or the file cannot be read: it reports that one ERROR,
then no reference from or to the table (a typo in trips.txt route_id goes unseen). Our reader
recovers such tables (short rows padded, long rows cut), so for them, and only them, we re-run
the canonical references; the records whose field count is wrong are skipped (their values may
be shifted). Never duplicates a canonical notice: for a table canonical accepts, this is silent.

- reference_not_found (ERROR): as canonical's foreign_key_violation.
- trip_without_stop_times (WARNING): as canonical's unused_trip, when stop_times.txt is rejected,
  absent or has no trip_id column (then no trip has stop times).
"""

from __future__ import annotations

import pandas as pd

from quality.notices import Severity
from quality.rules._common import combined, no_notices, notices, records
from quality.rules.context import RuleContext
from quality.rules.references import Reference, ref, unresolved
from regie.gtfs.columns import column, rows, table
from regie.gtfs.feed_tables import FeedTables

CANONICAL_REFERENCES = (
    ref("trips", "route_id", "routes.route_id"),
    ref("trips", "service_id", "calendar.service_id", "calendar_dates.service_id"),
    ref("trips", "shape_id", "shapes.shape_id"),
    ref("stop_times", "trip_id", "trips.trip_id"),
    ref("stop_times", "stop_id", "stops.stop_id"),
    ref("frequencies", "trip_id", "trips.trip_id"),
    ref("routes", "agency_id", "agency.agency_id"),
    ref("fare_attributes", "agency_id", "agency.agency_id"),
    ref("fare_rules", "fare_id", "fare_attributes.fare_id"),
    ref("fare_rules", "route_id", "routes.route_id"),
    ref("fare_rules", "origin_id", "stops.zone_id"),
    ref("fare_rules", "destination_id", "stops.zone_id"),
    ref("fare_rules", "contains_id", "stops.zone_id"),
    ref("transfers", "from_stop_id", "stops.stop_id"),
    ref("transfers", "to_stop_id", "stops.stop_id"),
    ref("transfers", "from_route_id", "routes.route_id"),
    ref("transfers", "to_route_id", "routes.route_id"),
    ref("transfers", "from_trip_id", "trips.trip_id"),
    ref("transfers", "to_trip_id", "trips.trip_id"),
    ref("stops", "parent_station", "stops.stop_id"),
    ref("stops", "level_id", "levels.level_id"),
    ref("pathways", "from_stop_id", "stops.stop_id"),
    ref("pathways", "to_stop_id", "stops.stop_id"),
    ref("attributions", "agency_id", "agency.agency_id"),
    ref("attributions", "route_id", "routes.route_id"),
    ref("attributions", "trip_id", "trips.trip_id"),
    ref("route_networks", "route_id", "routes.route_id"),
    ref("route_networks", "network_id", "networks.network_id"),
    ref("stop_areas", "stop_id", "stops.stop_id"),
    ref("stop_areas", "area_id", "areas.area_id"),
    ref("fare_leg_rules", "from_area_id", "areas.area_id"),
    ref("fare_leg_rules", "to_area_id", "areas.area_id"),
    ref("fare_leg_rules", "network_id", "routes.network_id", "networks.network_id"),
    ref("fare_leg_rules", "from_timeframe_group_id", "timeframes.timeframe_group_id"),
    ref("fare_leg_rules", "to_timeframe_group_id", "timeframes.timeframe_group_id"),
    ref("fare_transfer_rules", "from_leg_group_id", "fare_leg_rules.leg_group_id"),
    ref("fare_transfer_rules", "to_leg_group_id", "fare_leg_rules.leg_group_id"),
    ref("fare_leg_join_rules", "from_network_id", "routes.network_id", "networks.network_id"),
    ref("fare_leg_join_rules", "to_network_id", "routes.network_id", "networks.network_id"),
    ref("fare_leg_join_rules", "from_stop_id", "stops.stop_id"),
    ref("fare_leg_join_rules", "to_stop_id", "stops.stop_id"),
    ref("timeframes", "service_id", "calendar.service_id", "calendar_dates.service_id"),
)


def rejected_tables(feed: FeedTables) -> set[str]:
    """Tables (names without .txt) gtfs-guru leaves out of its cross-file checks."""
    rejected = {p.file.removesuffix(".txt") for p in feed.problems if p.kind in ("ragged_rows", "unreadable")}
    rejected |= unreadable_tables(feed)
    for name, frame in feed.tables.items():
        header = [c for c in frame.columns if c != "_row"]
        if any(str(c).strip() == "" for c in header) or len(set(header)) != len(header):
            rejected.add(name)
    return rejected


def _trips_without_stop_times(feed: FeedTables, rejected: set[str]) -> pd.DataFrame:
    stop_times = feed.get("stop_times")
    readable = stop_times is not None and "trip_id" in stop_times.columns
    if readable and "stop_times" not in rejected:
        return no_notices()  # canonical's unused_trip / unusable_trip
    trips = table(feed, "trips")
    frame = pd.DataFrame({"trip_id": column(trips, "trip_id"), "row": rows(trips)})
    used = column(stop_times, "trip_id") if readable else pd.Series([], dtype=object)
    hits = frame[(frame["trip_id"] != "") & ~frame["trip_id"].isin(used)].reset_index(drop=True)
    if hits.empty:
        return no_notices()
    why = "stop_times.txt has no stop for it" if readable else "stop_times.txt is missing or has no trip_id column"
    message = "Trip " + hits["trip_id"] + f" has no stop times ({why}): no rider can take it."
    return notices("trip_without_stop_times", Severity.WARNING, file="trips.txt", row=hits["row"], field="trip_id",
                   message=message, context=records(hits, ["trip_id"]))


def fallback_references(rejected: set[str]) -> list[Reference]:
    return [r for r in CANONICAL_REFERENCES if r.table in rejected or any(t in rejected for t, _ in r.targets)]


def unreadable_tables(feed: FeedTables) -> set[str]:
    """Tables in the zip that our reader could not read either: nothing is derived from them."""
    return {m.removesuffix(".txt") for m in feed.members if m.endswith(".txt") and "/" not in m
            and m.removesuffix(".txt") not in feed.tables}


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    rejected = rejected_tables(feed)
    if not rejected:
        return no_notices()
    unreadable = unreadable_tables(feed)  # reported once by the reader (file_unreadable)
    references = [r for r in fallback_references(rejected) if not any(t in unreadable for t, _ in r.targets)]
    frames = [unresolved(feed, references)]
    if "stop_times" not in unreadable:
        frames.append(_trips_without_stop_times(feed, rejected))
    return combined(frames)
