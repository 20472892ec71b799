"""Network size of one operator for a fee year, from its accepted GTFS feed (vectorised).

`network_metrics(feed, fee_year=...)` works on the all-string tables of `read_feed_tables` with
integer codes and numpy arrays: no Python loop over trips, stop times or days. Its choices:

- Service days: the services × days matrix of `regie.gtfs.calendar.service_matrix` (calendar.txt
  weekday flags over start_date..end_date, then calendar_dates.txt: exception_type 1 adds the date,
  2 removes it; a date both added and removed is removed). A trip counts on the service day it
  belongs to: a trip at 25:10:00 runs into the next calendar day but counts for its own service day
  (so a trip of 31 December running past midnight counts in the fee year, one of the previous
  31 December does not).
- Trip runs, service hours and vehicle-km: `regie.fees.metrics.trips`; trip lengths:
  `regie.fees.metrics.lengths`; peak vehicles: `regie.fees.metrics.peak`.
- Coverage: a feed often covers only a few months of the year. By default (`coverage="service"`)
  the covered days are the days of the fee year inside the feed's service span: from the first to
  the last day of its service calendars, i.e. the start_date..end_date of every calendar.txt row
  (of a service with trips) that runs on at least one day, and every added date. Calendar ranges
  rather than the first and last day with a trip, so that a weekday-only network is not scaled up
  for the weekend at the edges of its span. feed_info's feed_start_date/feed_end_date are
  declarations, optional and often stale, so they are used only with `coverage="feed_info"` (each
  end that is present replaces the measured one), which suits seasonal networks that publish a
  whole-year feed. Measured figures count the covered days only; annual figures are measured ×
  days_in_year / covered_days for the additive figures (trips, service hours, vehicle-km, active
  service days, the last capped at the year's length); stops, routes and peak vehicles are not
  scaled. No covered day: every figure is 0 and `warnings` says so.
- A feed that covers little of the fee year (fewer than `min_year_share` of its days, 0.5 by
  default) but has a longer service period is measured over that period instead, up to a year
  (the stretch closest to the fee year), and annualised from it (`basis` "service_period",
  `measured_from`..`measured_to`, `measured_days`): a feed published in December for the coming
  year is not extrapolated ×12 from its first weeks. Otherwise `basis` is "fee_year".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from regie.fees.metrics.lengths import METHOD_NAMES
from regie.fees.metrics.peak import busiest_day_peak
from regie.fees.metrics.trips import Trips, prepare_trips
from regie.gtfs.calendar import (
    ServiceCalendars,
    calendar_span,
    epoch_date,
    epoch_day,
    epoch_days,
    service_calendars,
    service_matrix,
)
from regie.gtfs.columns import column, table
from regie.gtfs.feed_tables import FeedTables


@dataclass(frozen=True)
class NetworkMetrics:
    """Network figures of one feed for one fee year. Additive figures (active_service_days, trips,
    service_hours, vehicle_km) are annualised (measured × scale_factor); `measured` holds every
    figure un-scaled, over the covered days of the fee year."""

    fee_year: int
    days_in_year: int
    covered_days: int
    scale_factor: float
    active_service_days: int
    trips: int
    service_hours: float
    vehicle_km: float
    stops_served: int
    routes: int
    peak_vehicles: int | None
    vehicle_km_method: str
    unit_ratio: float | None
    measured: dict[str, Any]
    warnings: list[str]
    coverage: str = "service"
    covered_from: str | None = None
    covered_to: str | None = None
    basis: str = "fee_year"  # "fee_year": the covered days of the fee year; "service_period": see measured_*
    measured_from: str | None = None
    measured_to: str | None = None
    measured_days: int = 0
    busiest_day: str | None = None
    unit_reference: str | None = None
    vehicle_km_methods: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable values."""
        return json.loads(json.dumps(asdict(self)))


def _per_service(trips: Trips, values: np.ndarray) -> np.ndarray:
    ok = trips.service >= 0
    return np.bincount(trips.service[ok], weights=values[ok], minlength=len(trips.services))


def daily_figures(feed: FeedTables, first: date, last: date) -> pd.DataFrame:
    """Per day from `first` to `last`: date, trips (runs), service_hours, vehicle_km (measured)."""
    trips = prepare_trips(feed)
    matrix = service_matrix(service_calendars(feed, trips.services), epoch_day(first), epoch_day(last)) * 1.0
    return pd.DataFrame({
        "date": [first + timedelta(days=i) for i in range(matrix.shape[1])],
        "trips": _per_service(trips, trips.runs) @ matrix,
        "service_hours": _per_service(trips, trips.runs * trips.duration / 3600) @ matrix,
        "vehicle_km": _per_service(trips, trips.runs * trips.length_km) @ matrix,
    })


def _covered_window(feed: FeedTables, calendars: ServiceCalendars, used: np.ndarray, coverage: str) -> tuple[float, float]:
    """[first, last] day covered by the feed (first > last when none)."""
    first, last = calendar_span(calendars, used)
    if coverage == "feed_info":
        info = table(feed, "feed_info")
        declared = [epoch_days(column(info, name)[:1]) for name in ("feed_start_date", "feed_end_date")]
        first = declared[0][0] if len(declared[0]) and not np.isnan(declared[0][0]) else first
        last = declared[1][0] if len(declared[1]) and not np.isnan(declared[1][0]) else last
    if np.isnan(first) or np.isnan(last):
        return 1.0, 0.0
    return first, last


def _measured_window(first: float, last: float, jan1: int, dec31: int, covered_days: int,
                     min_year_share: float) -> tuple[int, int, str]:
    """[start, end] epoch days measured, and the basis: the fee year, or the feed's service period
    (up to a year, the stretch closest to the fee year) when the fee year has little of it."""
    days_in_year = dec31 - jan1 + 1
    span = int(last - first + 1) if last >= first else 0
    if covered_days == 0 or covered_days >= min_year_share * days_in_year or span <= covered_days:
        return jan1, dec31, "fee_year"
    length = min(days_in_year, span)
    start = int(min(max(jan1, first), last - length + 1))
    return start, start + length - 1, "service_period"


def network_metrics(feed: FeedTables, *, fee_year: int, coverage: Literal["service", "feed_info"] = "service",
                    min_year_share: float = 0.5) -> NetworkMetrics:
    """Network size figures of `feed` for the calendar year `fee_year` (module docstring).

    Never raises on a broken or empty feed: figures are then 0 and `warnings` says why.
    """
    if coverage not in ("service", "feed_info"):
        raise ValueError(f"coverage must be 'service' or 'feed_info', not {coverage!r}")
    trips = prepare_trips(feed)
    warnings = list(trips.warnings)
    jan1, dec31 = epoch_day(date(fee_year, 1, 1)), epoch_day(date(fee_year, 12, 31))
    days_in_year = dec31 - jan1 + 1
    calendars = service_calendars(feed, trips.services)
    runs_s = _per_service(trips, trips.runs)
    first, last = _covered_window(feed, calendars, runs_s > 0, coverage)
    year_days = np.arange(jan1, dec31 + 1)
    covered_days = int(((year_days >= first) & (year_days <= last)).sum())
    start, end, basis = _measured_window(first, last, jan1, dec31, covered_days, min_year_share)
    matrix = service_matrix(calendars, start - 1, end)  # + the day before, for the peak's night trips
    days = np.arange(start, end + 1)
    in_span = matrix[:, 1:] & ((days >= first) & (days <= last))
    measured_days = int(((days >= first) & (days <= last)).sum())

    day_runs = runs_s @ in_span
    measured_trips = float(day_runs.sum())
    measured_hours = float(_per_service(trips, trips.runs * trips.duration / 3600) @ in_span.sum(axis=1))
    measured_km = float(_per_service(trips, trips.runs * trips.length_km) @ in_span.sum(axis=1))
    active_days = int((day_runs > 0).sum())

    active_service: np.ndarray = in_span.any(axis=1)  # type: ignore[assignment]  # stubs: bool | array; here always an array
    active: np.ndarray = (trips.service >= 0) & active_service[np.maximum(trips.service, 0)] & (trips.runs > 0) \
        if len(trips.services) else np.zeros(len(trips.ids), dtype=bool)
    stops_served = int(len(np.unique(trips.row_station[active[trips.row_trip]]))) if len(trips.row_trip) else 0
    routes = int(len(np.unique(trips.route[active & (trips.route >= 0)])))
    busiest, peak = busiest_day_peak(trips, matrix, day_runs) if active_days else (None, None)

    yearly_runs = trips.runs * np.where(trips.service >= 0, in_span.sum(axis=1)[np.maximum(trips.service, 0)], 0) \
        if len(trips.services) else np.zeros(len(trips.ids))
    shares = np.bincount(trips.method, weights=yearly_runs, minlength=4)
    names = [f"{METHOD_NAMES[0]}:{trips.unit}", *METHOD_NAMES[1:]]
    methods = {names[i]: round(float(shares[i] / shares.sum()), 4) for i in range(4) if shares[i] > 0} \
        if shares.sum() > 0 else {}
    if methods.get("unknown"):
        warnings.append(f"{methods['unknown']:.1%} of the trip runs have no measurable length (no "
                        "shape_dist_traveled, shape or stop coordinates): counted as 0 km")

    if covered_days == 0:
        scale = 0.0
        warnings.append(f"no day of {fee_year} is inside the feed's service span"
                        f"{' (feed_info dates)' if coverage == 'feed_info' else ''}: all figures are 0")
    else:
        scale = days_in_year / measured_days
    measured = {"active_service_days": active_days, "trips": int(round(measured_trips)),
                "service_hours": round(measured_hours, 3), "vehicle_km": round(measured_km, 3),
                "stops_served": stops_served, "routes": routes, "peak_vehicles": peak}
    return NetworkMetrics(
        fee_year=fee_year, days_in_year=days_in_year, covered_days=covered_days, scale_factor=round(scale, 6),
        active_service_days=min(days_in_year, int(round(active_days * scale))),
        trips=int(round(measured_trips * scale)), service_hours=round(measured_hours * scale, 1),
        vehicle_km=round(measured_km * scale, 1), stops_served=stops_served, routes=routes, peak_vehicles=peak,
        vehicle_km_method=max(methods, key=methods.__getitem__) if methods else "none",
        unit_ratio=None if trips.unit_ratio is None else float(f"{trips.unit_ratio:.6g}"), measured=measured,
        warnings=warnings, coverage=coverage,
        covered_from=epoch_date(max(first, jan1)).isoformat() if covered_days else None,
        covered_to=epoch_date(min(last, dec31)).isoformat() if covered_days else None,
        busiest_day=epoch_date(start + busiest).isoformat() if busiest is not None else None,
        unit_reference=trips.unit_reference if trips.unit_ratio is not None else None, vehicle_km_methods=methods,
        basis=basis, measured_from=epoch_date(max(first, start)).isoformat() if measured_days and covered_days else None,
        measured_to=epoch_date(min(last, end)).isoformat() if measured_days and covered_days else None,
        measured_days=measured_days if covered_days else 0)
