"""Time zones: one merged feed has one agency time zone (the region's).

- A feed zone with the same rules as the region's (same UTC offset at every hour of 2000-2037,
  e.g. Europe/Madrid in a Europe/Paris region) is rewritten to the region's zone.
- A zone with other rules: stop_times (and frequencies) are shifted by
  offset(region) - offset(feed) at noon of each service date (GTFS times count from "noon minus
  12 h" of the service date, so this is exact, daylight-saving changes included). When that shift
  is constant over each service's dates and no time falls before 00:00:00, times are shifted in
  place; otherwise services are split into dates of constant offset and early trips move to the
  previous service day (`service_split`). With the policy "refuse", a TimezoneError names the
  operator and both zones instead.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from regie.gtfs.arrow_text import mapped, positions, shifted_times
from regie.gtfs.calendar import service_dates
from regie.gtfs.columns import column
from regie.integrate.normalise.ledger import Ledger
from regie.integrate.normalise.service_split import first_times, split_and_shift


class TimezoneError(ValueError):
    """An operator's feed time zone cannot be brought into the region's zone."""


@functools.cache
def same_rules(zone_a: str, zone_b: str) -> bool:
    """True when both zones have the same UTC offset at every hour from 2000 to 2037."""
    if zone_a == zone_b:
        return True
    hours = pd.date_range("2000-01-01", "2038-01-01", freq="h", tz="UTC")
    naive = hours.tz_localize(None)
    offset_a = hours.tz_convert(zone_a).tz_localize(None) - naive
    offset_b = hours.tz_convert(zone_b).tz_localize(None) - naive
    return bool((offset_a == offset_b).all())


def noon_offsets(dates: pd.Series, zone: str) -> pd.Series:
    """UTC offset (seconds) of `zone` at local noon of each date."""
    unique = pd.DatetimeIndex(dates.drop_duplicates()) + pd.Timedelta(hours=12)
    local = unique.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    offsets = (local.tz_localize(None) - local.tz_convert("UTC").tz_localize(None)).total_seconds()
    table = pd.Series(np.asarray(offsets), index=unique - pd.Timedelta(hours=12))
    return pd.Series(dates.map(table).to_numpy(), index=dates.index)




def feed_zone(tables: dict[str, pd.DataFrame]) -> str:
    zones = column(tables["agency"], "agency_timezone") if "agency" in tables else pd.Series([], dtype="str")
    zones = zones[zones != ""]
    return zones.iloc[0] if len(zones) else ""




def _any_negative(tables: dict[str, pd.DataFrame], service_shift: pd.Series, first: pd.Series) -> bool:
    """Would a constant shift per service put any trip's first time (`first`) before 00:00:00?"""
    if not (service_shift < 0).any() or "trips" not in tables:
        return False
    trips = tables["trips"]
    shift = mapped(column(trips, "service_id"), service_shift)
    return bool((mapped(column(trips, "trip_id"), first) + shift < 0).any())


def align_timezone(tables: dict[str, pd.DataFrame], *, operator_id: str, region_timezone: str,
                   policy: str = "shift", ledger: Ledger | None = None) -> list[str]:
    """Bring the feed's times into the region's zone (tables replaced in place; rows copied or
    replaced are counted in `ledger`). Returns notes."""
    zone = feed_zone(tables)
    if not zone or zone == region_timezone:
        return []
    agency = tables["agency"].copy()
    agency["agency_timezone"] = region_timezone
    if same_rules(zone, region_timezone):
        tables["agency"] = agency
        return [f"agency_timezone {zone} rewritten to {region_timezone} (same rules 2000-2037)"]
    if policy == "refuse":
        raise TimezoneError(f"operator {operator_id!r}: feed time zone {zone} has other rules than the "
                            f"region's {region_timezone}, and the time zone policy is 'refuse'")
    dates = service_dates(tables)
    shifts = dates.assign(shift=(noon_offsets(dates["date"], region_timezone) - noon_offsets(dates["date"], zone)))
    per_service = shifts.groupby("service_id")["shift"]
    varying = bool((per_service.nunique() > 1).any())
    first = first_times(tables) if varying or (per_service.first() < 0).any() else pd.Series(dtype=float)
    if varying or _any_negative(tables, per_service.first(), first):
        counts = split_and_shift(tables, shifts, ledger if ledger is not None else Ledger(), first)
        tables["agency"] = agency
        listed = ", ".join(f"{int(s):+d} s" for s in sorted(shifts["shift"].unique()))
        why = "the offset changes on the zones' different daylight-saving dates" if varying else "early trips"
        return [f"times shifted from {zone} to {region_timezone} by {listed} per service date ({why}): "
                f"{counts['services_split']} services split into dates of constant offset, "
                f"{counts['trips_copied']} trips copied, "
                f"{counts['trips_moved']} trips moved to the previous service day (times + 24 h); "
                "agency_timezone rewritten"]
    service_shift = per_service.first()
    trips = tables.get("trips")
    trip_shift = pd.Series(np.nan_to_num(mapped(column(trips, "service_id"), service_shift), nan=0.0),
                           index=column(trips, "trip_id").to_numpy()) if trips is not None else pd.Series(dtype=float)
    trip_shift = trip_shift[~trip_shift.index.duplicated()]
    for name, fields in (("stop_times", ("arrival_time", "departure_time")), ("frequencies", ("start_time", "end_time"))):
        frame = tables.get(name)
        if frame is None or not len(frame):
            continue
        frame = frame.copy()
        found = positions(column(frame, "trip_id"), trip_shift.index.to_numpy())
        delta = np.where(found >= 0, trip_shift.to_numpy(dtype=float)[found], 0.0)
        for field in fields:
            if field in frame.columns:
                frame[field] = shifted_times(column(frame, field), delta)
        tables[name] = frame
    tables["agency"] = agency
    shifts = sorted({int(s) for s in service_shift.unique()})
    return [f"times shifted from {zone} to {region_timezone} by {', '.join(f'{s:+d} s' for s in shifts)} "
            f"per service date ({len(service_shift)} services); agency_timezone rewritten"]
