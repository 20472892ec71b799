"""The graph's clock: seconds since day 0's "noon minus 12 h" in the region's time zone.

GTFS times count from noon minus 12 h of their service day (midnight, except on the days clocks
change). On the graph every time is elapsed seconds from that instant of `first_day`, so the
connections of different service days interleave correctly across a clock change; `day_start[d]`
is where service day d's GTFS times start.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np


def service_day_origin(day: date, zone: ZoneInfo) -> datetime:
    """Noon minus 12 h of `day` in `zone`: the instant its GTFS times count from (aware, UTC)."""
    return datetime.combine(day, time(12), tzinfo=zone).astimezone(ZoneInfo("UTC")) - timedelta(hours=12)


def day_starts(first_day: date, days: int, timezone: str) -> np.ndarray:
    """int32 seconds from day 0's origin to the origin of each of `days` service days."""
    zone = ZoneInfo(timezone)
    origin = service_day_origin(first_day, zone)
    return np.array([(service_day_origin(first_day + timedelta(days=d), zone) - origin).total_seconds()
                     for d in range(days)], dtype=np.int32)


def graph_seconds(first_day: date, timezone: str, moment: datetime) -> int:
    """The graph time of a datetime (naive: a local time of the region's zone)."""
    zone = ZoneInfo(timezone)
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    return int((aware - service_day_origin(first_day, zone)).total_seconds())


def local_datetime(first_day: date, timezone: str, seconds: int) -> datetime:
    """The aware local datetime of a graph time."""
    zone = ZoneInfo(timezone)
    return (service_day_origin(first_day, zone) + timedelta(seconds=int(seconds))).astimezone(zone)
