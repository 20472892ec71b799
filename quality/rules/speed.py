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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from quality.notices import Severity
from quality.rules._common import int_text, no_notices, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import column, first_rows, gtfs_seconds, numeric, raw_column, rows, table, text_codes, trip_order
from regie.gtfs.feed_tables import FeedTables
from regie.gtfs.geo import haversine_m
from regie.gtfs.modes import mode_names

CANONICAL_LIMITS_KMH = {"tram": 100, "metro": 150, "rail": 500, "bus": 150, "ferry": 80, "cable_tram": 30, "aerial_lift": 50,
                        "funicular": 50, "trolleybus": 150, "monorail": 150}
"""gtfs-guru's thresholds (its notice schema), by the same basic names as the pool's."""


def basic_mode(route_type: pd.Series) -> pd.Series:
    """Basic mode name of GTFS route types, basic or extended (`regie.gtfs.modes`); None when unknown
    (air, miscellaneous)."""
    return pd.Series(mode_names(route_type), index=route_type.index, dtype=object).replace("", None)


@dataclass(frozen=True)
class Legs:
    """Consecutive timed stops of every trip: per leg (numpy arrays), its trip code, the stop
    times it leaves from and arrives at (as positions in trip and stop_sequence order), distance
    and times; and what turns codes and positions back into ids and rows."""

    trip: np.ndarray  # trip code
    frm: np.ndarray  # ordered position of the stop time left
    to: np.ndarray  # ordered position of the stop time reached
    distance_m: np.ndarray  # NaN when a stop on the way has no coordinates
    leave: np.ndarray  # departure, seconds after midnight
    arrive: np.ndarray  # arrival
    stop: np.ndarray  # stop code per ordered position
    position: np.ndarray | None  # row in stop_times per ordered position (None: the same)
    trip_ids: np.ndarray
    stop_ids: np.ndarray
    route_ids: np.ndarray  # per trip code; None when the trip is unknown
    route_types: np.ndarray  # per trip code; NaN when unknown


def legs(feed: FeedTables) -> Legs:
    """Every leg between consecutive timed stops of a trip, ordered by trip and stop_sequence.

    Works on integer codes and numpy arrays (no string sort, no merge): the distance between two
    timed stops is the difference of a running sum of stop-to-stop steps over the whole table.
    """
    stop_times = table(feed, "stop_times")
    trip, trip_ids = text_codes(raw_column(stop_times, "trip_id"))
    position = trip_order(trip, numeric(stop_times, "stop_sequence").to_numpy())

    def ordered(values: np.ndarray) -> np.ndarray:
        return values if position is None else values[position]

    trip = ordered(trip)
    stop_codes, stop_ids = text_codes(raw_column(stop_times, "stop_id"))
    stop = ordered(stop_codes)
    del stop_codes
    along, unknown = _running_distance(feed, trip, stop, stop_ids)

    arrival_text = raw_column(stop_times, "arrival_time")
    arrival = gtfs_seconds(arrival_text).to_numpy()
    departure = ordered(_seconds_like(raw_column(stop_times, "departure_time"), arrival_text, arrival))
    arrival = ordered(arrival)
    arrival = np.where(np.isnan(arrival), departure, arrival)
    departure = np.where(np.isnan(departure), arrival, departure)
    timed = np.flatnonzero(~np.isnan(arrival))
    to, frm = timed[1:], timed[:-1]
    inside = trip[to] == trip[frm]
    to, frm = to[inside], frm[inside]
    del timed, inside

    distance = along[to] - along[frm]
    if unknown is not None:
        distance[unknown[to] != unknown[frm]] = np.nan
    route_ids, route_types = _routes(feed, np.asarray(trip_ids, dtype=object))
    return Legs(
        trip=trip[to], frm=frm, to=to, distance_m=distance, leave=departure[frm], arrive=arrival[to], stop=stop,
        position=position, trip_ids=np.asarray(trip_ids, dtype=object), stop_ids=np.asarray(stop_ids, dtype=object),
        route_ids=route_ids, route_types=route_types,
    )


def _seconds_like(values: pd.Series, twin: pd.Series, twin_seconds: np.ndarray) -> np.ndarray:
    """`gtfs_seconds(values)`, converting only the rows that differ from `twin`, whose seconds are
    known: departure times mostly repeat the arrival times."""
    differs = (values != twin).to_numpy(dtype=bool, na_value=True)
    seconds = twin_seconds.copy()
    if differs.any():
        seconds[differs] = gtfs_seconds(values[differs]).to_numpy()
    return seconds




def _running_distance(feed: FeedTables, trip: np.ndarray, stop: np.ndarray,
                      stop_ids: pd.Index) -> tuple[np.ndarray, np.ndarray | None]:
    """Metres travelled since the table's start at each stop time (trip by trip: a new trip adds
    nothing), and the running count of steps without a distance (None when there is none)."""
    stops = table(feed, "stops")
    lat, lon = numeric(stops, "stop_lat").to_numpy(), numeric(stops, "stop_lon").to_numpy()
    lat = np.where((lat == 0) & (lon == 0), np.nan, lat)
    where = first_rows(column(stops, "stop_id"), stop_ids)  # first row of a duplicated id
    stop_lat = np.where(where >= 0, lat[where], np.nan) if len(lat) else np.full(len(where), np.nan)
    stop_lon = np.where(where >= 0, lon[where], np.nan) if len(lon) else np.full(len(where), np.nan)
    # a step per distinct pair of consecutive stops (trips repeat their patterns)
    width = max(len(stop_ids), 1)
    pairs, distinct = pd.factorize(stop[:-1].astype(np.int64) * width + stop[1:])
    first, second = np.divmod(np.asarray(distinct), width)
    step = np.zeros(len(trip))
    step[1:] = haversine_m(stop_lat[first], stop_lon[first], stop_lat[second], stop_lon[second])[pairs]
    del pairs
    step[1:][trip[1:] != trip[:-1]] = 0.0
    missing = np.isnan(step)
    unknown = np.cumsum(missing) if missing.any() else None  # a leg over a stop without coordinates has no distance
    step[missing] = 0.0
    return np.cumsum(step, out=step), unknown


def _routes(feed: FeedTables, trip_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Route id (None when the trip is unknown) and route type (NaN when unknown) per trip code."""
    trips, routes = table(feed, "trips"), table(feed, "routes")
    trip_rows = first_rows(column(trips, "trip_id"), trip_ids)
    route_id = column(trips, "route_id").to_numpy(dtype=object)
    route_ids = np.full(len(trip_rows), None, dtype=object)
    known = trip_rows >= 0
    route_ids[known] = route_id[trip_rows[known]]
    route_rows = first_rows(column(routes, "route_id"), pd.Index(route_ids).fillna(""))
    route_type = numeric(routes, "route_type").to_numpy()
    route_types = np.where(route_rows >= 0, route_type[route_rows] if len(route_type) else np.nan, np.nan)
    return route_ids, route_types




def _whole_minutes(found: Legs, leg: np.ndarray) -> np.ndarray:
    """Whether both times of these legs are on a whole minute."""
    return (found.arrive[leg] % 60 == 0) & (found.leave[leg] % 60 == 0)


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    if not feed.has("stop_times"):
        return no_notices()
    found = legs(feed)
    mode_per_trip = basic_mode(pd.Series(found.route_types))
    limit = mode_per_trip.map(context.thresholds.max_speed_kmh).astype(float).to_numpy()[found.trip]
    distance, seconds = found.distance_m, found.arrive - found.leave
    with np.errstate(invalid="ignore"):
        leg = np.flatnonzero(~np.isnan(limit) & (distance > 0) & (seconds >= 0))
    # from here on, only the legs with a limit, a distance and no negative time
    seconds, distance, limit, trip = seconds[leg], distance[leg], limit[leg], found.trip[leg]
    zero = seconds == 0
    effective = seconds.copy()
    effective[zero] = np.where(_whole_minutes(found, leg[zero]), 60.0, 1.0)
    speed = distance / effective * 3.6
    canonical = mode_per_trip.map(CANONICAL_LIMITS_KMH).astype(float).fillna(200.0).to_numpy()[trip]
    too_fast = (speed > limit) & ~(~zero & (speed > canonical))  # canonical reports the latter
    if not too_fast.any():
        return no_notices()
    trip, leg = trip[too_fast], leg[too_fast]
    position = np.arange(len(found.stop)) if found.position is None else found.position
    hits = pd.DataFrame({
        "trip_id": found.trip_ids[trip], "route_id": found.route_ids[trip],
        "route_type": found.route_types[trip].astype("int64"),
        "from_stop_id": found.stop_ids[found.stop[found.frm[leg]]],
        "to_stop_id": found.stop_ids[found.stop[found.to[leg]]],
        "distance_m": np.round(distance[too_fast], 1), "seconds": seconds[too_fast].astype("int64"),
        "speed_kmh": np.round(speed[too_fast], 1), "limit_kmh": limit[too_fast],
        "mode": mode_per_trip.to_numpy(dtype=object)[trip], "whole_minutes": _whole_minutes(found, leg),
        "row": rows(table(feed, "stop_times")).to_numpy()[position[found.to[leg]]],
    })
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
