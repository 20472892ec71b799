"""The journey graph: flat numpy arrays, the one structure the builder writes and the planner reads.

Times are int32 seconds from midnight (noon minus 12 h) of `first_day`, the day before the window's
first service day, so that trips past midnight of that day are on the graph; elapsed seconds, so
service day d's GTFS times start at `day_start[d]` (86,400 × d except across a clock change).
Indexes are int32 positions into the arrays named in each field's comment; -1 means none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from regie.journeys.clock import graph_seconds, local_datetime

# conn_flags bits
BOARDING_ALLOWED = 1  # pickup_type != 1 at the departure stop
ALIGHTING_ALLOWED = 2  # drop_off_type != 1 at the arrival stop

# foot_kind values
WALK = 0  # street walking between nearby stops (the integrator's walking transfers)
IN_STATION = 1  # between stops of one station (parent_station, or pathways.txt where present)
BIKE_RIDE = 2  # a shared bike from a station with bikes to a station with free docks
ACCESS = 3  # walking between a stop and a bike-share station

# accessibility values (stop_wheelchair, trip_wheelchair, foot_wheelchair), as GTFS writes them
UNKNOWN, ACCESSIBLE, NOT_ACCESSIBLE = 0, 1, 2


@dataclass
class JourneyGraph:
    first_day: date  # day 0 of the times (the day before the window's first service day)
    days: int  # service days on the graph, day 0 included
    timezone: str  # the region's time zone: times are local times of that zone
    source_feed_version: str  # feed_info.feed_version of the regional feed it was built from

    # stops, bike-share stations included (stop_kind 1); index = stop number
    stop_ids: np.ndarray  # object (str), namespaced "<operator>:<id>" as in the regional feed
    stop_names: np.ndarray  # object (str)
    stop_lat: np.ndarray  # float64
    stop_lon: np.ndarray  # float64
    stop_parent: np.ndarray  # int32 station index, -1
    stop_wheelchair: np.ndarray  # int8 (UNKNOWN/ACCESSIBLE/NOT_ACCESSIBLE, inherited from the station)
    stop_kind: np.ndarray  # int8: 0 stop or platform, 1 bike-share station, 2 station (parent, not boardable)

    # timetabled connections, sorted by (conn_dep, conn_arr); one row per hop of a trip instance
    conn_dep_stop: np.ndarray  # int32
    conn_arr_stop: np.ndarray  # int32
    conn_dep: np.ndarray  # int32 seconds (see module docstring)
    conn_arr: np.ndarray  # int32
    conn_trip: np.ndarray  # int32 trip instance
    conn_seq: np.ndarray  # int32 position of the hop in its trip (0, 1, ...)
    conn_flags: np.ndarray  # uint8 BOARDING_ALLOWED | ALIGHTING_ALLOWED

    # trip instances (one per trip and service day; frequencies expanded)
    trip_ids: np.ndarray  # object (str) trip_id of the regional feed
    trip_day: np.ndarray  # int16 service day (0 = first_day; -1, -2...: days before it, for times past 48:00)
    trip_route: np.ndarray  # int32 route index
    trip_headsign: np.ndarray  # object (str)
    trip_wheelchair: np.ndarray  # int8
    trip_shape: np.ndarray  # int32 shape index, -1

    # routes
    route_ids: np.ndarray  # object (str)
    route_short_names: np.ndarray  # object (str)
    route_long_names: np.ndarray  # object (str)
    route_mode: np.ndarray  # int16 GTFS route_type (basic: 0 tram .. 12 monorail)
    route_operator: np.ndarray  # int32 operator index
    operator_ids: np.ndarray  # object (str)
    operator_names: np.ndarray  # object (str)

    # footpaths and bike legs, grouped by from-stop (CSR): edges of stop s are
    # foot_to[foot_offsets[s]:foot_offsets[s + 1]]. Not transitively closed.
    foot_offsets: np.ndarray  # int32, len = stops + 1
    foot_to: np.ndarray  # int32
    foot_duration: np.ndarray  # int32 seconds
    foot_distance: np.ndarray  # float32 metres
    foot_kind: np.ndarray  # int8 WALK / IN_STATION / BIKE_RIDE / ACCESS
    foot_wheelchair: np.ndarray  # int8 UNKNOWN / ACCESSIBLE / NOT_ACCESSIBLE

    # shapes, for the legs' geometry: points of shape k are shape_lat/lon[shape_offsets[k]:shape_offsets[k+1]]
    shape_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    shape_offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int32))
    shape_lat: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    shape_lon: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    shape_dist: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float32))  # metres along the shape
    conn_shape_dist: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float32))  # at departure, NaN
    conn_arr_shape_dist: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float32))  # at arrival, NaN

    # service day d's GTFS times start at graph time day_start[d] (86,400 × d but on clock changes)
    day_start: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int32))  # int32, len = days
    warnings: list[str] = field(default_factory=list)  # what the build left out, and why

    # bike-share stations (their stops have stop_kind 1), as the latest GBFS snapshot saw them
    bike_stop: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))  # int32 stop index
    bike_station_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))  # GBFS station_id
    bike_operator: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))  # operator id (str)
    bike_operator_names: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    bike_capacity: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))  # docks, -1 unknown
    bike_bikes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))  # bikes available
    bike_docks: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))  # free docks

    @property
    def stop_count(self) -> int:
        return len(self.stop_ids)

    @property
    def connection_count(self) -> int:
        return len(self.conn_dep)

    def seconds_at(self, moment: datetime) -> int:
        """The graph time of a datetime (naive: local time of the graph's zone)."""
        return graph_seconds(self.first_day, self.timezone, moment)

    def local_time(self, seconds: int) -> datetime:
        """The aware local datetime of a graph time."""
        return local_datetime(self.first_day, self.timezone, seconds)

    def array_bytes(self) -> int:
        """Bytes held by the numeric arrays (what `graph_mib` reports)."""
        return sum(value.nbytes for value in vars(self).values()
                   if isinstance(value, np.ndarray) and value.dtype != object)
