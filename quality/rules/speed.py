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
    """Consecutive timed stops of every trip, as integer codes: (legs, trip ids, stop ids, route id
    per trip code). Legs: trip_code, from_stop, to_stop, distance_m, seconds (raw), whole_minutes,
    row (of the arriving stop time), route_type; and the basic mode name per trip code.

    Works on integer codes and numpy arrays (no string sort, no merge): the distance between two
    timed stops is the difference of a running sum of stop-to-stop steps over the whole table.
    """
    stop_times, stops = table(feed, "stop_times"), table(feed, "stops")
    trips, routes = table(feed, "trips"), table(feed, "routes")
    trip_codes, trip_ids = pd.factorize(column(stop_times, "trip_id"))
    sequence = numeric(stop_times, "stop_sequence").to_numpy()
    keep = ~np.isnan(sequence)
    order = np.flatnonzero(keep)[np.lexsort((sequence[keep], trip_codes[keep]))]
    trip = trip_codes[order]
    stop_codes, stop_ids = pd.factorize(column(stop_times, "stop_id"))
    stop = stop_codes[order]
    arrival = gtfs_seconds(column(stop_times, "arrival_time")).to_numpy()[order]
    departure = gtfs_seconds(column(stop_times, "departure_time")).to_numpy()[order]
    row = rows(stop_times).to_numpy()[order]

    lat, lon = numeric(stops, "stop_lat").to_numpy(), numeric(stops, "stop_lon").to_numpy()
    lat = np.where((lat == 0) & (lon == 0), np.nan, lat)
    where = first_rows(column(stops, "stop_id"), stop_ids)[stop]  # first row of a duplicated id
    stop_lat = np.where(where >= 0, lat[where], np.nan)
    stop_lon = np.where(where >= 0, lon[where], np.nan)

    same_trip = np.zeros(len(trip), dtype=bool)
    same_trip[1:] = trip[1:] == trip[:-1]
    step = np.zeros(len(trip))
    step[1:] = haversine_m(stop_lat[:-1], stop_lon[:-1], stop_lat[1:], stop_lon[1:])
    step = np.where(same_trip, step, 0.0)
    unknown = np.cumsum(np.isnan(step))  # a leg over a stop without coordinates has no distance
    along = np.cumsum(np.nan_to_num(step))

    arrival = np.where(np.isnan(arrival), departure, arrival)
    departure = np.where(np.isnan(departure), arrival, departure)
    timed = np.flatnonzero(~np.isnan(arrival))
    to, frm = timed[1:], timed[:-1]
    inside = trip[to] == trip[frm]
    to, frm = to[inside], frm[inside]

    # route and route type per trip code (a few thousand), then per leg by integer indexing
    trip_rows = first_rows(column(trips, "trip_id"), trip_ids)
    route_ids = np.where(trip_rows >= 0, column(trips, "route_id").to_numpy()[trip_rows], None)
    route_rows = first_rows(column(routes, "route_id"), pd.Index(route_ids).fillna(""))
    route_types = np.where(route_rows >= 0, numeric(routes, "route_type").to_numpy()[route_rows], np.nan)
    leg_trip = trip[to]
    mode_per_trip = basic_mode(pd.Series(route_types))
    result = pd.DataFrame({
        "trip_code": leg_trip, "from_stop": stop[frm], "to_stop": stop[to],
        "distance_m": np.where(unknown[to] == unknown[frm], along[to] - along[frm], np.nan),
        "seconds": arrival[to] - departure[frm],
        "whole_minutes": (arrival[to] % 60 == 0) & (departure[frm] % 60 == 0), "row": row[to],
        "route_type": route_types[leg_trip],
    })
    return result, np.asarray(trip_ids, dtype=object), np.asarray(stop_ids, dtype=object), route_ids, mode_per_trip


def first_rows(values: pd.Series, keys: object) -> np.ndarray:
    """Row position of each key's first occurrence in `values`, -1 where absent (ids may repeat)."""
    positions = pd.Series(np.arange(len(values)), index=values.to_numpy())
    positions = positions[~positions.index.duplicated()]
    found = positions.index.get_indexer(keys)
    return np.where(found >= 0, positions.to_numpy()[found], -1)


def _named(hits: pd.DataFrame, trip_ids: np.ndarray, stop_ids: np.ndarray, route_ids: np.ndarray) -> pd.DataFrame:
    """Turn the integer codes of the (few) reported legs back into ids."""
    hits = hits.copy()
    hits["trip_id"] = trip_ids[hits["trip_code"].to_numpy()]
    hits["route_id"] = route_ids[hits["trip_code"].to_numpy()]
    hits["from_stop_id"] = stop_ids[hits["from_stop"].to_numpy()]
    hits["to_stop_id"] = stop_ids[hits["to_stop"].to_numpy()]
    return hits


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    if not feed.has("stop_times"):
        return concat_notices([])
    frame, trip_ids, stop_ids, route_ids, mode_per_trip = legs(feed)
    codes = frame["trip_code"].to_numpy()
    limit_per_trip = mode_per_trip.map(context.thresholds.max_speed_kmh).astype(float).to_numpy()
    canonical_per_trip = mode_per_trip.map(CANONICAL_LIMITS_KMH).astype(float).to_numpy()
    frame["limit_kmh"] = limit_per_trip[codes] if len(codes) else np.array([], dtype=float)
    frame["canonical_limit_kmh"] = canonical_per_trip[codes] if len(codes) else np.array([], dtype=float)
    frame["mode"] = mode_per_trip.to_numpy(dtype=object)[codes] if len(codes) else np.array([], dtype=object)
    frame = frame[frame["limit_kmh"].notna() & frame["distance_m"].notna() & (frame["distance_m"] > 0)
                  & (frame["seconds"] >= 0)]
    zero = frame["seconds"] == 0
    effective = frame["seconds"].where(~zero, np.where(frame["whole_minutes"], 60.0, 1.0))
    frame = frame.assign(speed_kmh=frame["distance_m"] / effective * 3.6)
    canonical_reports = ~zero & (frame["speed_kmh"] > frame["canonical_limit_kmh"].fillna(200.0))
    hits = frame[(frame["speed_kmh"] > frame["limit_kmh"]) & ~canonical_reports].reset_index(drop=True)
    if hits.empty:
        return concat_notices([])
    hits = _named(hits, trip_ids, stop_ids, route_ids)
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
