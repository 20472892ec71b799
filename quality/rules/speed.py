"""fast_travel_over_pool_limit (WARNING): a vehicle would go faster between two consecutive timed
stops than the pool's limit for its mode (`thresholds.max_speed_kmh`, by basic route type name;
extended route types are mapped to their basic mode, unknown ones are not checked).

It complements canonical's fast_travel_between_consecutive_stops, which uses its own, higher
limits (bus 150, rail 500 km/h, ...) on the raw time difference and ignores legs with no time
difference. So a leg is reported here when its speed is above the pool's limit but not above
canonical's (canonical reports those), or when its time difference is zero:
- times to the second (not all whole minutes): zero seconds is taken as 1 s;
- whole-minute times: zero may hide rounding, so it is taken as 60 s (as Google's transitfeed
  did); two stops in the same minute are only too fast beyond the limit's distance per minute.
Distances follow the stops (great circle, stop to stop, summed over untimed stops in between);
stops without coordinates or at 0,0 are skipped (canonical reports point_near_origin).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quality.feed_tables import FeedTables
from quality.notices import Severity, concat_notices
from quality.rules import RuleContext
from quality.rules._common import column, gtfs_seconds, haversine_m, int_text, notices, numeric, records, rows, table

CANONICAL_LIMITS_KMH = {"tram": 100, "metro": 150, "rail": 500, "bus": 150, "ferry": 80, "cable": 30, "aerial": 50,
                        "funicular": 50, "trolleybus": 150, "monorail": 150}
"""gtfs-guru's thresholds (its notice schema), by the same basic names as the pool's."""


BASIC_MODES = {0: "tram", 1: "metro", 2: "rail", 3: "bus", 4: "ferry", 5: "cable", 6: "aerial", 7: "funicular",
               11: "trolleybus", 12: "monorail"}
EXTENDED_MODES = (  # [low, high) ranges of extended route types; the first that matches wins
    (200, 300, "bus"), (405, 406, "monorail"), (100, 400, "rail"), (400, 700, "metro"), (700, 800, "bus"),
    (800, 900, "trolleybus"), (900, 1000, "tram"), (1000, 1100, "ferry"), (1200, 1300, "ferry"),
    (1300, 1400, "aerial"), (1400, 1500, "funicular"), (1500, 1600, "bus"),
)


def basic_mode(route_type: pd.Series) -> pd.Series:
    """Basic mode name of GTFS route types, basic or extended; None when unknown (air, misc)."""
    t = route_type.to_numpy(dtype=float)
    conditions = [t == code for code in BASIC_MODES] + [(t >= low) & (t < high) for low, high, _ in EXTENDED_MODES]
    names = list(BASIC_MODES.values()) + [name for _, _, name in EXTENDED_MODES]
    return pd.Series(np.select(conditions, names, default=""), index=route_type.index).replace("", None)


def legs(feed: FeedTables) -> pd.DataFrame:
    """Consecutive timed stops of every trip: trip_id, route_id, mode, from/to stop, distance_m,
    seconds (raw), whole_minutes, row (of the arriving stop time)."""
    stop_times, stops = table(feed, "stop_times"), table(feed, "stops")
    trips, routes = table(feed, "trips"), table(feed, "routes")
    frame = pd.DataFrame({
        "trip_id": column(stop_times, "trip_id"), "stop_id": column(stop_times, "stop_id"),
        "sequence": numeric(stop_times, "stop_sequence"),
        "arrival": gtfs_seconds(column(stop_times, "arrival_time")),
        "departure": gtfs_seconds(column(stop_times, "departure_time")), "row": rows(stop_times),
    })
    frame = frame[frame["sequence"].notna()].sort_values(["trip_id", "sequence"], kind="stable")
    located = pd.DataFrame({"stop_id": column(stops, "stop_id"), "lat": numeric(stops, "stop_lat"),
                            "lon": numeric(stops, "stop_lon")}).drop_duplicates("stop_id")
    located = located[located["lat"].notna() & located["lon"].notna() & ~((located["lat"] == 0) & (located["lon"] == 0))]
    frame = frame.merge(located, on="stop_id", how="left")
    same_trip = frame["trip_id"].eq(frame["trip_id"].shift())
    step = pd.Series(haversine_m(frame["lat"].shift(), frame["lon"].shift(), frame["lat"], frame["lon"]))
    frame["along_m"] = step.where(same_trip, 0.0).groupby(frame["trip_id"]).cumsum(skipna=False)
    frame["arrival"] = frame["arrival"].fillna(frame["departure"])
    frame["departure"] = frame["departure"].fillna(frame["arrival"])
    timed = frame[frame["arrival"].notna()].reset_index(drop=True)
    previous = timed.shift()
    result = pd.DataFrame({
        "trip_id": timed["trip_id"], "from_stop_id": previous["stop_id"], "to_stop_id": timed["stop_id"],
        "distance_m": timed["along_m"] - previous["along_m"], "seconds": timed["arrival"] - previous["departure"],
        "whole_minutes": (timed["arrival"] % 60 == 0) & (previous["departure"] % 60 == 0), "row": timed["row"],
    })[timed["trip_id"].eq(previous["trip_id"])]
    route_of_trip = pd.Series(column(trips, "route_id").to_numpy(), index=column(trips, "trip_id"))
    type_of_route = pd.Series(numeric(routes, "route_type").to_numpy(), index=column(routes, "route_id"))
    result["route_id"] = result["trip_id"].map(route_of_trip.groupby(level=0).first())
    result["route_type"] = result["route_id"].map(type_of_route.groupby(level=0).first())
    result["mode"] = basic_mode(result["route_type"])
    return result.reset_index(drop=True)


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    if not feed.has("stop_times"):
        return concat_notices([])
    frame = legs(feed)
    limits = context.thresholds.max_speed_kmh
    frame["limit_kmh"] = frame["mode"].map(limits).astype(float)
    frame["canonical_limit_kmh"] = frame["mode"].map(CANONICAL_LIMITS_KMH).astype(float)
    frame = frame[frame["limit_kmh"].notna() & frame["distance_m"].notna() & (frame["distance_m"] > 0)
                  & (frame["seconds"] >= 0)]
    zero = frame["seconds"] == 0
    effective = frame["seconds"].where(~zero, np.where(frame["whole_minutes"], 60.0, 1.0))
    frame = frame.assign(speed_kmh=frame["distance_m"] / effective * 3.6)
    canonical_reports = ~zero & (frame["speed_kmh"] > frame["canonical_limit_kmh"].fillna(200.0))
    hits = frame[(frame["speed_kmh"] > frame["limit_kmh"]) & ~canonical_reports].reset_index(drop=True)
    if hits.empty:
        return concat_notices([])
    hits["speed_kmh"] = hits["speed_kmh"].round(1)
    hits["distance_m"] = hits["distance_m"].round(1)
    hits["seconds"] = hits["seconds"].astype("int64")
    hits["route_type"] = hits["route_type"].astype("int64")
    same_time = np.where(
        hits["seconds"] == 0,
        np.where(hits["whole_minutes"], " (same minute: counted as 60 s)", " (same second: counted as 1 s)"), "")
    message = ("Trip " + hits["trip_id"] + " goes from stop " + hits["from_stop_id"] + " to stop " + hits["to_stop_id"]
               + " (" + int_text(hits["distance_m"]) + " m) in " + hits["seconds"].astype(str) + " s" + pd.Series(same_time)
               + ": " + int_text(hits["speed_kmh"]) + " km/h, above the pool's " + int_text(hits["limit_kmh"])
               + " km/h for " + hits["mode"] + ".")
    return notices("fast_travel_over_pool_limit", Severity.WARNING, file="stop_times.txt", row=hits["row"],
                   field="arrival_time", message=message,
                   context=records(hits, ["trip_id", "route_id", "route_type", "from_stop_id", "to_stop_id", "distance_m",
                                          "seconds", "speed_kmh", "limit_kmh"]))
