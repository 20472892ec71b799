"""Helpers shared by the feed builders: agency and route rows, shapes, patterns with run times."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from regie.demo.calendars import calendar_tables, feed_info_table
from regie.demo.geometry import densify
from regie.demo.network import AGENCIES, Line
from regie.demo.timetable import Pattern
from regie.gtfs.geo import cumulative_m

STOP_COLUMNS = ("stop_id", "stop_code", "stop_name", "stop_lat", "stop_lon", "location_type",
                "parent_station", "wheelchair_boarding", "platform_code")


def stops_frame(rows: list[dict]) -> pd.DataFrame:
    """stops.txt from row dicts, with nullable integer location_type and wheelchair_boarding."""
    frame = pd.DataFrame(rows).reindex(columns=[c for c in STOP_COLUMNS
                                                 if any(c in r for r in rows)])
    for col in ("location_type", "wheelchair_boarding"):
        if col in frame:
            frame[col] = frame[col].astype("Int64")
    return frame


def agency_frame(operator: str) -> pd.DataFrame:
    a = AGENCIES[operator]
    return pd.DataFrame([{"agency_id": a.agency_id, "agency_name": a.name, "agency_url": a.url,
                          "agency_timezone": a.timezone, "agency_lang": a.lang,
                          "agency_phone": a.phone, "agency_email": a.email}])


def route_row(line: Line, agency_id: str, route_type: int, sort_order: int) -> dict:
    return {"route_id": line.route_id, "agency_id": agency_id,
            "route_short_name": line.short_name, "route_long_name": line.long_name,
            "route_type": route_type, "route_color": line.color,
            "route_text_color": line.text_color, "route_sort_order": sort_order}


def shape_frame(shape_id: str, lats: np.ndarray, lons: np.ndarray) -> pd.DataFrame:
    """shapes.txt rows of one polyline with shape_dist_traveled in metres."""
    return pd.DataFrame({
        "shape_id": np.full(len(lats), shape_id, dtype=object),
        "shape_pt_lat": lats, "shape_pt_lon": lons,
        "shape_pt_sequence": np.arange(1, len(lats) + 1),
        "shape_dist_traveled": np.round(cumulative_m(lats, lons), 1),
    })


def routed_pattern(
    rng: np.random.Generator, *, pattern_id: str, route_id: str, direction_id: int,
    headsign: str, shape_id: str, stop_ids: list[str], lats: list[float], lons: list[float],
    speed_kmh: float, dwell_min: list[int], periods, step_m: float, bend: float = 0.0,
    peak_slowdown: float = 1.0, timepoints: tuple[int, ...] | None = None,
    stop_points: list[int] | None = None,
) -> tuple[Pattern, pd.DataFrame]:
    """A pattern whose shape runs through the points `lats`/`lons` (densified every `step_m`),
    with running times at `speed_kmh` ± 8 % per segment, and that shape's rows. `stop_points`
    says which points are the stops (default: all of them; others are waypoints)."""
    s_lat, s_lon, vertex = densify(lats, lons, step_m=step_m, bend=bend)
    shape = shape_frame(shape_id, s_lat, s_lon)
    stop_points = list(range(len(lats))) if stop_points is None else stop_points
    dist = shape["shape_dist_traveled"].to_numpy()[vertex[stop_points]]
    jitter = rng.uniform(0.92, 1.08, len(stop_ids))
    run = np.concatenate([[0.0], np.diff(dist)]) / (speed_kmh / 3.6) * jitter
    dwell = np.asarray(dwell_min, dtype=np.int64) * 60
    dwell[0] = dwell[-1] = 0
    first_headway = min(h for ps in periods.values() for _, _, h in ps)
    pattern = Pattern(
        pattern_id=pattern_id, route_id=route_id, direction_id=direction_id, headsign=headsign,
        shape_id=shape_id, stop_ids=tuple(stop_ids), run_s=run, dwell_s=dwell, dist_m=dist,
        periods=periods, phase_min=int(rng.integers(0, min(10, first_headway))),
        peak_slowdown=peak_slowdown, timepoints=timepoints,
    )
    return pattern, shape


def service_tables(
    operator: str, start: date, *, prefix: str, country: str, version: str,
    closed: tuple[tuple[int, int], ...] = (),
) -> dict[str, pd.DataFrame]:
    """agency, calendar, calendar_dates and feed_info of one operator."""
    a = AGENCIES[operator]
    calendar, dates = calendar_tables(start, prefix=prefix, country=country, closed=closed)
    info = feed_info_table(start, publisher=a.name, url=a.url, lang=a.lang, email=a.email,
                           version=version)
    return {"agency": agency_frame(operator), "calendar": calendar, "calendar_dates": dates,
            "feed_info": info}


def prefixed_periods(periods: dict, prefix: str) -> dict:
    """{'WD': …} -> {'KR-WD': …}: service ids namespaced by operator."""
    return {f"{prefix}-{k}": v for k, v in sorted(periods.items())}
