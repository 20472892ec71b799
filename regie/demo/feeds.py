"""Builders of the rail, coach and ferry feeds: GTFS tables (name -> DataFrame) per operator."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from regie.demo import network as net
from regie.demo.tables import prefixed_periods, route_row, routed_pattern, service_tables, stops_frame
from regie.demo.timetable import Pattern, build_trips
from regie.gtfs.geo import offset

RAIL_SPEED_KMH = 75.0  # running speed; with dwells the average is about 60 km/h
COACH_SPEED_KMH = 50.0  # about 45 km/h with the stops
FERRY_SPEED_KMH = 10.0


def _assemble(base: dict, stops: pd.DataFrame, routes: list[dict], patterns: list[Pattern],
              shapes: list[pd.DataFrame], **trip_options) -> dict[str, pd.DataFrame]:
    trips, stop_times = build_trips(patterns, **trip_options)
    return {**base, "stops": stops, "routes": pd.DataFrame(routes), "trips": trips,
            "stop_times": stop_times,
            "shapes": pd.concat(shapes, ignore_index=True)}


def rail_tables(start: date, rng: np.random.Generator, version: str) -> dict[str, pd.DataFrame]:
    """Kosta Rail: parent stations with numbered platforms, lines K1 (+ a Hendaye short turn)
    and K2, train numbers, an entrance at Amara."""
    rows = []
    for code, (name, lat, lon, count) in net.RAIL_STATIONS.items():
        rows.append({"stop_id": f"KR:{code}", "stop_code": code, "stop_name": name,
                     "stop_lat": lat, "stop_lon": lon, "location_type": 1,
                     "wheelchair_boarding": 1})
        for k in range(1, count + 1):
            p_lat, p_lon = net.platform_position(code, k)
            rows.append({"stop_id": f"KR:{code}:{k}", "stop_name": f"{name} – voie {k}",
                         "stop_lat": p_lat, "stop_lon": p_lon, "location_type": 0,
                         "parent_station": f"KR:{code}", "wheelchair_boarding": 1,
                         "platform_code": str(k)})
    e_lat, e_lon = offset(*net.RAIL_STATIONS["AMA"][1:3], -25.0, 15.0)
    rows.append({"stop_id": "KR:AMA:E1", "stop_name": "Amara – Easo kalea sarbidea",
                 "stop_lat": e_lat, "stop_lon": e_lon, "location_type": 2,
                 "parent_station": "KR:AMA", "wheelchair_boarding": 1})
    patterns: list[Pattern] = []
    shapes: list[pd.DataFrame] = []
    routes: list[dict] = []
    for line in net.RAIL_LINES:
        if line.variant_of is None:
            routes.append(route_row(line, "KR", 2, len(routes) + 1))
        tag = f"{line.route_id}S" if line.variant_of else line.route_id
        for direction in (0, 1):
            codes = list(line.stops if direction == 0 else reversed(line.stops))
            platform = 1 + direction
            stop_ids = [f"KR:{c}:{3 if (c == 'BAY' and line.route_id == 'K2') else platform}"
                        for c in codes]
            pattern, shape = routed_pattern(
                rng, pattern_id=f"{tag}-{direction}", route_id=line.route_id,
                direction_id=direction, headsign=line.headsigns[direction],
                shape_id=f"KR-{codes[0]}-{codes[-1]}", stop_ids=stop_ids,
                lats=[net.RAIL_STATIONS[c][1] for c in codes],
                lons=[net.RAIL_STATIONS[c][2] for c in codes],
                speed_kmh=RAIL_SPEED_KMH, dwell_min=[net.RAIL_DWELL_MIN.get(c, 1) for c in codes],
                periods=prefixed_periods(line.periods, "KR"), step_m=250.0, bend=0.04,
            )
            patterns.append(pattern)
            shapes.append(shape)
    base = service_tables("kosta-rail", start, prefix="KR", country="FR", version=version)
    extra = {r["route_id"]: {"wheelchair_accessible": 1, "bikes_allowed": 1} for r in routes}
    return _assemble(base, stops_frame(rows), routes, patterns, shapes, trip_extra=extra,
                     train_numbers=True)


def coach_position(code: str) -> tuple[float, float]:
    """True position of a Mugabus stop code ('HEN', 'DON:1')."""
    if code.startswith("DON:"):
        return net.coach_bay_position(int(code.split(":")[1]))
    return net.COACH_STOPS[code][1:3]


def coach_tables(start: date, rng: np.random.Generator, version: str) -> dict[str, pd.DataFrame]:
    """Mugabus, before its defects: roadside stops and the Donostia bus station with bays."""
    rows = [{"stop_id": f"MB:{code}", "stop_code": code, "stop_name": name, "stop_lat": lat,
             "stop_lon": lon, "location_type": 0, "wheelchair_boarding": 1}
            for code, (name, lat, lon) in net.COACH_STOPS.items()]
    code, name, lat, lon = net.COACH_STATION
    rows.append({"stop_id": f"MB:{code}", "stop_code": code, "stop_name": name, "stop_lat": lat,
                 "stop_lon": lon, "location_type": 1, "wheelchair_boarding": 1})
    for k in range(1, net.COACH_BAYS + 1):
        b_lat, b_lon = net.coach_bay_position(k)
        rows.append({"stop_id": f"MB:{code}:{k}", "stop_name": f"{name} – {k}. nasa / dársena",
                     "stop_lat": b_lat, "stop_lon": b_lon, "location_type": 0,
                     "parent_station": f"MB:{code}", "wheelchair_boarding": 1,
                     "platform_code": str(k)})
    patterns: list[Pattern] = []
    shapes: list[pd.DataFrame] = []
    routes: list[dict] = []
    for line in net.COACH_LINES:
        routes.append(route_row(line, "MB", 200, len(routes) + 1))
        for direction in (0, 1):
            codes = list(line.stops if direction == 0 else reversed(line.stops))
            points = [coach_position(c) for c in codes]
            pattern, shape = routed_pattern(
                rng, pattern_id=f"{line.route_id}-{direction}", route_id=line.route_id,
                direction_id=direction, headsign=line.headsigns[direction],
                shape_id=f"{line.route_id}-{direction}", stop_ids=[f"MB:{c}" for c in codes],
                lats=[p[0] for p in points], lons=[p[1] for p in points],
                speed_kmh=COACH_SPEED_KMH,
                dwell_min=[net.COACH_DWELL_MIN.get(c, 0) for c in codes],
                periods=prefixed_periods(line.periods, "MB"), step_m=300.0, bend=0.06,
            )
            patterns.append(pattern)
            shapes.append(shape)
    base = service_tables("mugabus", start, prefix="MB", country="FR", version=version)
    extra = {r["route_id"]: {"wheelchair_accessible": 1, "bikes_allowed": 2} for r in routes}
    return _assemble(base, stops_frame(rows), routes, patterns, shapes, trip_extra=extra)


def ferry_tables(start: date, rng: np.random.Generator, version: str) -> dict[str, pd.DataFrame]:
    """Txingudi Ferry: two shuttles across the Bidasoa bay; no boats on 25 Dec and 1 Jan."""
    rows = [{"stop_id": f"TF:{code}", "stop_code": code, "stop_name": name, "stop_lat": lat,
             "stop_lon": lon, "location_type": 0, "wheelchair_boarding": 2}
            for code, (name, lat, lon) in net.FERRY_PIERS.items()]
    patterns: list[Pattern] = []
    shapes: list[pd.DataFrame] = []
    routes: list[dict] = []
    for line in net.FERRY_LINES:
        routes.append(route_row(line, "TF", 4, len(routes) + 1))
        for direction in (0, 1):
            codes = list(line.stops if direction == 0 else reversed(line.stops))
            points = [net.FERRY_PIERS[c][1:3] for c in codes]
            stop_points = [0, 1]
            if "HEN" in codes:  # follow the channel past the Hendaye shore
                points, stop_points = [points[0], net.FERRY_WAYPOINT, points[1]], [0, 2]
            pattern, shape = routed_pattern(
                rng, pattern_id=f"{line.route_id}-{direction}", route_id=line.route_id,
                direction_id=direction, headsign=line.headsigns[direction],
                shape_id=f"{line.route_id}-{direction}", stop_ids=[f"TF:{c}" for c in codes],
                lats=[p[0] for p in points], lons=[p[1] for p in points],
                speed_kmh=FERRY_SPEED_KMH, dwell_min=[0] * len(codes),
                periods=prefixed_periods(line.periods, "TF"), step_m=50.0, bend=0.08,
                stop_points=stop_points,
            )
            patterns.append(pattern)
            shapes.append(shape)
    base = service_tables("txingudi-ferry", start, prefix="TF", country="FR", version=version,
                          closed=((12, 25), (1, 1)))
    extra = {r["route_id"]: {"wheelchair_accessible": 2, "bikes_allowed": 1} for r in routes}
    return _assemble(base, stops_frame(rows), routes, patterns, shapes, trip_extra=extra)

