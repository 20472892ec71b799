"""Hiribus, the Donostia city bus network, tiled `scale` times at constant stop density.

Tile 0 is the real city: lines drawn through fixed anchor stops (squares, stations) with stops
every ~420 m between them; a stop within 60 m of an existing one is shared. Tiles 1..k-1 are
copies shifted south and west by the network's extent plus one stop spacing, as fictional
districts, so `scale=k` gives k times the stops over k times the area.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from regie.demo import network as net
from regie.demo.tables import prefixed_periods, routed_pattern, service_tables, stops_frame
from regie.demo.timetable import build_trips
from regie.gtfs.geo import EARTH_RADIUS_M, haversine_m

BUS_SPEED_KMH = 18.0
PEAK_SLOWDOWN = 1.12
DISTRICTS = ("Berri", "Goiko", "Beheko", "Ekialde", "Mendebal", "Hegoalde", "Iparralde", "Erdigune")


@dataclass(frozen=True)
class CityStop:
    code: str
    name: str
    name_es: str | None  # Spanish name of anchors (translations.txt)
    lat: float
    lon: float
    anchor: bool


def base_network() -> tuple[list[CityStop], dict[str, list[str]]]:
    """Stops of tile 0 and each line's stop codes in direction 0."""
    stops: dict[str, CityStop] = {
        code: CityStop(code, eu, es, lat, lon, True)
        for code, (eu, es, lat, lon) in net.CITY_ANCHORS.items()
    }
    numbers: dict[str, int] = {}
    sequences: dict[str, list[str]] = {}
    for line in net.CITY_LINES:
        seq = [line.stops[0]]
        for a, b in zip(line.stops, line.stops[1:]):
            (_, _, lat_a, lon_a), (_, _, lat_b, lon_b) = net.CITY_ANCHORS[a], net.CITY_ANCHORS[b]
            n = max(1, round(float(haversine_m(lat_a, lon_a, lat_b, lon_b))
                             / net.CITY_STOP_SPACING_M))
            street = net.CITY_STREETS[frozenset((a, b))]
            for k in range(1, n):
                t = k / n
                lat, lon = lat_a + (lat_b - lat_a) * t, lon_a + (lon_b - lon_a) * t
                existing = list(stops.values())
                d = haversine_m(lat, lon, [s.lat for s in existing], [s.lon for s in existing])
                if d.min() < net.CITY_STOP_MERGE_M:
                    seq.append(existing[int(d.argmin())].code)
                    continue
                numbers[street] = numbers.get(street, 0) + 1
                code = str(1000 + len(stops) - len(net.CITY_ANCHORS) + 1)
                stops[code] = CityStop(code, f"{street} {numbers[street] * 14 - 10}", None,
                                       lat, lon, False)
                seq.append(code)
            seq.append(b)
        sequences[line.route_id] = seq
    return list(stops.values()), sequences


def tile_offsets(scale: int, lats, lons) -> list[tuple[float, float]]:
    """(north, east) shift in degrees of each tile: a grid growing south and west."""
    lat0 = float(np.mean(lats))
    pitch_ns = float(haversine_m(min(lats), 0, max(lats), 0)) + net.CITY_STOP_SPACING_M
    pitch_ew = float(haversine_m(lat0, min(lons), lat0, max(lons))) + net.CITY_STOP_SPACING_M
    deg_ns = pitch_ns / EARTH_RADIUS_M * 180 / math.pi
    deg_ew = deg_ns * pitch_ew / pitch_ns / math.cos(math.radians(lat0))
    cols = math.ceil(math.sqrt(scale))
    return [(-(t // cols) * deg_ns, -(t % cols) * deg_ew) for t in range(scale)]


def _district(tile: int) -> str:
    name = DISTRICTS[(tile - 1) % len(DISTRICTS)]
    return name if tile <= len(DISTRICTS) else f"{name} {(tile - 1) // len(DISTRICTS) + 1}"


def _stop_id(tile: int, code: str) -> str:
    """Tile 0 keeps the real stop ids (`HB:<code>`), copies are `HB:T<tile>:<code>`."""
    return f"HB:{code}" if tile == 0 else f"HB:T{tile}:{code}"


def city_bus_tables(
    start: date, rng: np.random.Generator, version: str, *, scale: int = 1
) -> dict[str, pd.DataFrame]:
    """Hiribus GTFS tables (with Spanish translations of anchor names) for `scale` tiles."""
    stops, sequences = base_network()
    offsets = tile_offsets(scale, [s.lat for s in stops], [s.lon for s in stops])
    stop_rows, translations, routes, patterns, shapes = [], [], [], [], []
    for tile, (dlat, dlon) in enumerate(offsets):
        suffix = "" if tile == 0 else f" ({_district(tile)})"
        where = {s.code: (s.lat + dlat, s.lon + dlon) for s in stops}
        for s in stops:
            stop_rows.append({"stop_id": _stop_id(tile, s.code), "stop_code": f"{tile}{s.code}" if tile
                              else s.code, "stop_name": s.name + suffix,
                              "stop_lat": where[s.code][0], "stop_lon": where[s.code][1],
                              "location_type": 0, "wheelchair_boarding": 1})
            if s.name_es:
                translations.append({"table_name": "stops", "field_name": "stop_name",
                                     "language": "es", "translation": s.name_es + suffix,
                                     "record_id": _stop_id(tile, s.code)})
        for order, line in enumerate(net.CITY_LINES):
            route_id = line.route_id if tile == 0 else f"{line.route_id}-T{tile}"
            short = line.short_name if tile == 0 else str(int(line.short_name) + 100 * tile)
            routes.append({"route_id": route_id, "agency_id": "HB", "route_short_name": short,
                           "route_long_name": line.long_name + suffix, "route_type": 3,
                           "route_color": line.color, "route_text_color": line.text_color,
                           "route_sort_order": tile * 100 + order + 1})
            for direction in (0, 1):
                seq = sequences[line.route_id]
                seq = seq if direction == 0 else seq[::-1]
                tag = f"{route_id}-{direction}"
                pattern, shape = routed_pattern(
                    rng, pattern_id=tag, route_id=route_id, direction_id=direction,
                    headsign=line.headsigns[direction] + suffix, shape_id=tag,
                    stop_ids=[_stop_id(tile, c) for c in seq], lats=[where[c][0] for c in seq],
                    lons=[where[c][1] for c in seq], speed_kmh=BUS_SPEED_KMH,
                    dwell_min=[0] * len(seq), periods=prefixed_periods(line.periods, "HB"),
                    step_m=100.0, peak_slowdown=PEAK_SLOWDOWN,
                    timepoints=tuple(int(c in net.CITY_ANCHORS) for c in seq),
                )
                patterns.append(pattern)
                shapes.append(shape)
    base = service_tables("hiribus", start, prefix="HB", country="ES", version=version)
    extra = {r["route_id"]: {"wheelchair_accessible": 1, "bikes_allowed": 2} for r in routes}
    trips, stop_times = build_trips(patterns, trip_extra=extra)
    return {**base, "stops": stops_frame(stop_rows), "routes": pd.DataFrame(routes),
            "trips": trips, "stop_times": stop_times,
            "shapes": pd.concat(shapes, ignore_index=True),
            "translations": pd.DataFrame(translations)}
