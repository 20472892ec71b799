"""Build the combined stops frame the matcher works on, from operators' feed tables.

Columns: operator_id, stop_id and parent_station (namespaced `<operator>:<id>`; parent "" when
none), stop_name, stop_lat, stop_lon (floats, NaN when missing), location_type (int, empty = 0),
mode (the basic mode of the routes serving the stop via trips and stop_times; a station takes its
children's; "" when no trip serves it). When several modes serve a stop, the first of `MODE_ORDER`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from quality.feed_tables import FeedTables
from quality.rules._common import column, numeric, table
from regie.modes import mode_names

STOP_COLUMNS = ["operator_id", "stop_id", "stop_name", "stop_lat", "stop_lon", "location_type",
                "parent_station", "mode"]
MODE_ORDER = ["rail", "metro", "tram", "monorail", "funicular", "aerial_lift", "cable_tram", "ferry",
              "trolleybus", "bus"]


def basic_mode(route_types: pd.Series) -> pd.Series:
    """GTFS route_type (basic or extended) to a basic mode name ("" when unknown)."""
    return pd.Series(mode_names(route_types), index=route_types.index, dtype="str")


def namespaced(operator_id: str, ids: pd.Series) -> pd.Series:
    """`<operator>:<id>`, "" kept empty."""
    ids = ids.fillna("").astype("str").str.strip()
    return ids.where(ids == "", operator_id + ":" + ids)


def operator_stops(operator_id: str, feed: FeedTables, *, namespace: bool = True) -> pd.DataFrame:
    """One operator's stops in the combined-frame shape (see module docstring). `namespace=False`
    for tables whose ids are already `<operator>:<id>` (a normalised feed)."""
    if not namespace:
        return _stops_frame(operator_id, feed, lambda ids: ids.fillna("").astype("str"))
    return _stops_frame(operator_id, feed, lambda ids: namespaced(operator_id, ids))


def _stops_frame(operator_id: str, feed: FeedTables, namespaced_ids) -> pd.DataFrame:
    stops = table(feed, "stops")
    raw_type = column(stops, "location_type")
    frame = pd.DataFrame({
        "operator_id": operator_id,
        "stop_id": namespaced_ids(column(stops, "stop_id")),
        "stop_name": column(stops, "stop_name"),
        "stop_lat": numeric(stops, "stop_lat"),
        "stop_lon": numeric(stops, "stop_lon"),
        "location_type": pd.to_numeric(raw_type.where(raw_type != "", "0"), errors="coerce").fillna(0).astype("int64"),
        "parent_station": namespaced_ids(column(stops, "parent_station")),
    })
    routes, trips, stop_times = (table(feed, name) for name in ("routes", "trips", "stop_times"))
    route_mode = pd.DataFrame({"route_id": column(routes, "route_id"), "mode": basic_mode(column(routes, "route_type"))})
    trip_mode = pd.DataFrame({"trip_id": column(trips, "trip_id"), "route_id": column(trips, "route_id")}).merge(
        route_mode, on="route_id")[["trip_id", "mode"]].drop_duplicates("trip_id")
    served = pd.DataFrame({"trip_id": column(stop_times, "trip_id"), "stop_id": column(stop_times, "stop_id")})
    served = served.drop_duplicates().merge(trip_mode, on="trip_id")[["stop_id", "mode"]].drop_duplicates()
    served["stop_id"] = namespaced_ids(served["stop_id"])
    rank = {mode: n for n, mode in enumerate(MODE_ORDER)}
    served["rank"] = served["mode"].map(rank).fillna(len(rank))
    stop_mode = served.sort_values(["stop_id", "rank"]).drop_duplicates("stop_id").set_index("stop_id")["mode"]
    frame["mode"] = frame["stop_id"].map(stop_mode).fillna("").astype("str")
    children = frame[(frame["parent_station"] != "") & (frame["mode"] != "")]
    children = children.assign(rank=children["mode"].map(rank).fillna(len(rank)))
    station_mode = children.sort_values(["parent_station", "rank"]).drop_duplicates("parent_station")
    station_mode = station_mode.set_index("parent_station")["mode"]
    is_station = frame["location_type"] == 1
    frame.loc[is_station, "mode"] = frame.loc[is_station, "stop_id"].map(station_mode).fillna("").astype("str")
    return frame[STOP_COLUMNS]


def combined_stops(feeds: Mapping[str, FeedTables], *, namespace: bool = True) -> pd.DataFrame:
    """Every operator's stops, concatenated (operator id -> its feed tables; `namespace` as in
    `operator_stops`)."""
    frames = [operator_stops(operator_id, feed, namespace=namespace) for operator_id, feed in feeds.items()]
    if not frames:
        return pd.DataFrame({name: pd.Series([], dtype=float if name in ("stop_lat", "stop_lon") else "str")
                             for name in STOP_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def operator_transfers(operator_id: str, feed: FeedTables) -> pd.DataFrame:
    """An operator's own transfers.txt with namespaced stop ids: from_stop_id, to_stop_id,
    transfer_type (Int64), min_transfer_time (Int64, <NA> when empty)."""
    transfers = table(feed, "transfers")
    return pd.DataFrame({
        "from_stop_id": namespaced(operator_id, column(transfers, "from_stop_id")),
        "to_stop_id": namespaced(operator_id, column(transfers, "to_stop_id")),
        "transfer_type": pd.to_numeric(column(transfers, "transfer_type").replace("", "0"), errors="coerce").astype("Int64"),
        "min_transfer_time": pd.to_numeric(column(transfers, "min_transfer_time"), errors="coerce").round().astype("Int64"),
    })


__all__ = ["MODE_ORDER", "STOP_COLUMNS", "basic_mode", "combined_stops", "namespaced", "operator_stops",
           "operator_transfers"]
