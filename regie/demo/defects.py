"""The documented defects of the Mugabus feed, for the quality stage to catch.

`MUGABUS_DEFECTS` lists each one as (code, file, description, (key column, key value)); the
codes are ours (close to MobilityData notice names) and the keys say where to look. The values
do not depend on the seed, start date or scale, so tests can rely on them.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd


class Defect(NamedTuple):
    code: str
    file: str
    description: str
    key: tuple[str, str]


SWAPPED_PARENT = "MB:DON"
MISTYPED_STOP = "MB:SJL"
ARRIVAL_AFTER_DEPARTURE_TRIP = "MB1-0-MB-WD-001"
BACKWARDS_TRIP = "MB2-1-MB-WD-002"
UNKNOWN_SERVICE_TRIP = "MB1-0-MB-SUMMER-001"
UNKNOWN_SERVICE = "MB-SUMMER"
SAME_NAME_ROUTE = "MB2"
JUNK_MEMBER = "__MACOSX/._stops.txt"

MUGABUS_DEFECTS: tuple[Defect, ...] = (
    Defect("parent_station_coordinates_swapped", "stops.txt",
           "the Donostia bus station (location_type 1) has stop_lat and stop_lon swapped, "
           "which puts it in the Indian Ocean; its child bays are correct",
           ("stop_id", SWAPPED_PARENT)),
    Defect("stop_too_far_from_region", "stops.txt",
           "the Saint-Jean-de-Luz stop has its latitude digits transposed (34.3… instead of "
           "43.3…), about 1,000 km south of the region's bounding box",
           ("stop_id", MISTYPED_STOP)),
    Defect("stop_time_arrival_after_departure", "stop_times.txt",
           "at stop_sequence 3 (Hendaye) the arrival_time is 1 minute after the departure_time",
           ("trip_id", ARRIVAL_AFTER_DEPARTURE_TRIP)),
    Defect("stop_time_decreasing", "stop_times.txt",
           "at stop_sequence 3 the times are 10 minutes earlier than the departure from "
           "stop_sequence 2: the trip goes back in time",
           ("trip_id", BACKWARDS_TRIP)),
    Defect("trip_service_id_unknown", "trips.txt",
           "a summer extra references service_id MB-SUMMER, which neither calendar.txt nor "
           "calendar_dates.txt defines", ("trip_id", UNKNOWN_SERVICE_TRIP)),
    Defect("route_short_name_equals_long_name", "routes.txt",
           "route MB2 repeats its long name in route_short_name", ("route_id", SAME_NAME_ROUTE)),
    Defect("junk_file", JUNK_MEMBER,
           "a macOS AppleDouble resource-fork member left by zipping in the Finder",
           ("member", JUNK_MEMBER)),
)

# An AppleDouble header (magic 0x00051607, version 2, 'Mac OS X' filler), as macOS writes it.
_APPLE_DOUBLE = (bytes.fromhex("00051607 00020000") + b"Mac OS X        "
                 + bytes.fromhex("0002 00000009 00000032 00000020 00000002 00000052 00000000"))


def _time(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def _fmt(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def apply_mugabus_defects(tables: dict[str, pd.DataFrame]) -> dict:
    """A copy of the clean Mugabus tables with every defect of `MUGABUS_DEFECTS` applied."""
    t = {name: frame.copy() for name, frame in tables.items()}
    stops = t["stops"]
    parent = stops["stop_id"] == SWAPPED_PARENT
    swapped = stops.loc[parent, ["stop_lon", "stop_lat"]].to_numpy()
    stops.loc[parent, ["stop_lat", "stop_lon"]] = swapped
    typo = stops["stop_id"] == MISTYPED_STOP
    stops.loc[typo, "stop_lat"] = stops.loc[typo, "stop_lat"] - 9.0  # 43.38… -> 34.38…

    st = t["stop_times"]
    row = st.index[(st["trip_id"] == ARRIVAL_AFTER_DEPARTURE_TRIP) & (st["stop_sequence"] == 3)]
    st.loc[row, "arrival_time"] = _fmt(_time(st.loc[row[0], "departure_time"]) + 60)
    prev = st.index[(st["trip_id"] == BACKWARDS_TRIP) & (st["stop_sequence"] == 2)][0]
    row = st.index[(st["trip_id"] == BACKWARDS_TRIP) & (st["stop_sequence"] == 3)]
    back = _fmt(_time(st.loc[prev, "departure_time"]) - 600)
    st.loc[row, ["arrival_time", "departure_time"]] = back

    trips = t["trips"]
    model = trips.index[trips["trip_id"] == "MB1-0-MB-WD-002"][0]
    extra = trips.loc[[model]].assign(trip_id=UNKNOWN_SERVICE_TRIP, service_id=UNKNOWN_SERVICE)
    t["trips"] = pd.concat([trips, extra], ignore_index=True)
    extra_st = st[st["trip_id"] == "MB1-0-MB-WD-002"].assign(trip_id=UNKNOWN_SERVICE_TRIP)
    t["stop_times"] = pd.concat([st, extra_st], ignore_index=True)

    routes = t["routes"]
    same = routes["route_id"] == SAME_NAME_ROUTE
    routes.loc[same, "route_short_name"] = routes.loc[same, "route_long_name"]
    t[JUNK_MEMBER] = _APPLE_DOUBLE
    return t
