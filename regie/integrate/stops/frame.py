"""Build the combined stops frame the matcher works on, from operators' feed tables.

Columns: operator_id, stop_id and parent_station (namespaced `<operator>:<id>`; parent "" when
none), stop_name, stop_lat, stop_lon (floats, NaN when missing), location_type (int, empty = 0),
mode (the basic mode of the routes serving the stop via trips and stop_times; a station takes its
children's; "" when no trip serves it). When several modes serve a stop, the first of `MODE_ORDER`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from regie.gtfs.arrow_text import positions
from regie.gtfs.columns import column, numeric, raw_column, table, text_codes
from regie.gtfs.feed_tables import TableLookup
from regie.gtfs.modes import mode_names

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


def operator_stops(operator_id: str, feed: TableLookup, *, namespace: bool = True) -> pd.DataFrame:
    """One operator's stops in the combined-frame shape (see module docstring). `namespace=False`
    for tables whose ids are already `<operator>:<id>` (a normalised feed)."""
    if not namespace:
        return _stops_frame(operator_id, feed, lambda ids: ids.fillna("").astype("str"))
    return _stops_frame(operator_id, feed, lambda ids: namespaced(operator_id, ids))


def _served_modes(feed: TableLookup, namespaced_ids, rank: dict[str, int]) -> pd.Series:
    """stop_id (namespaced) -> the mode of the routes serving it through trips and stop_times,
    the first of `rank` when several do. On the codes of the distinct values (`text_codes`, cheap
    on compacted tables): the stop_times rows are never joined or de-duplicated as strings."""
    routes, trips, stop_times = (table(feed, name) for name in ("routes", "trips", "stop_times"))
    unknown = len(rank)
    route_modes = basic_mode(column(routes, "route_type"))
    route_rank = route_modes.map(rank).fillna(unknown).to_numpy(dtype=np.int64)
    trip_route = positions(column(trips, "route_id"), column(routes, "route_id"))
    served_trips = trip_route >= 0  # a trip whose route is missing serves no mode
    trip_ids = column(trips, "trip_id")[served_trips]
    trip_rank = route_rank[trip_route[served_trips]]
    trip_codes, distinct_trips = text_codes(raw_column(stop_times, "trip_id"))
    row_trip = positions(pd.Series(distinct_trips, dtype="str"), trip_ids)[trip_codes]  # first trips row of the id
    served = row_trip >= 0
    stop_codes, stop_ids = text_codes(raw_column(stop_times, "stop_id"))
    best = pd.Series(trip_rank[row_trip[served]]).groupby(stop_codes[served]).min()
    ids = namespaced_ids(pd.Series(np.asarray(stop_ids, dtype=object)[best.index.to_numpy()], dtype="str"))
    best = pd.Series(best.to_numpy(), index=ids.to_numpy()).groupby(level=0).min()  # ids equal once namespaced
    names = np.asarray(MODE_ORDER + [""], dtype=object)
    return pd.Series(names[np.minimum(best.to_numpy(), unknown)], index=best.index, dtype="str")


def _stops_frame(operator_id: str, feed: TableLookup, namespaced_ids) -> pd.DataFrame:
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
    rank = {mode: n for n, mode in enumerate(MODE_ORDER)}
    stop_mode = _served_modes(feed, namespaced_ids, rank)
    found = positions(frame["stop_id"], stop_mode.index.to_numpy())
    modes = np.asarray(list(stop_mode.to_numpy()) + [""], dtype=object)
    frame["mode"] = pd.Series(modes[np.where(found >= 0, found, len(stop_mode))], index=frame.index, dtype="str")
    children = frame[(frame["parent_station"] != "") & (frame["mode"] != "")]
    children = children.assign(rank=children["mode"].map(rank).fillna(len(rank)))
    station_mode = children.sort_values(["parent_station", "rank"]).drop_duplicates("parent_station")
    station_mode = station_mode.set_index("parent_station")["mode"]
    is_station = frame["location_type"] == 1
    frame.loc[is_station, "mode"] = frame.loc[is_station, "stop_id"].map(station_mode).fillna("").astype("str")
    return frame[STOP_COLUMNS]


def combined_stops(feeds: Mapping[str, TableLookup], *, namespace: bool = True) -> pd.DataFrame:
    """Every operator's stops, concatenated (operator id -> its feed tables; `namespace` as in
    `operator_stops`)."""
    frames = [operator_stops(operator_id, feed, namespace=namespace) for operator_id, feed in feeds.items()]
    if not frames:
        return pd.DataFrame({name: pd.Series([], dtype=float if name in ("stop_lat", "stop_lon") else "str")
                             for name in STOP_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def operator_transfers(operator_id: str, feed: TableLookup) -> pd.DataFrame:
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
