"""A region of many operators for scale benchmarks: copies of the demo's rail, coach, ferry and city
bus feeds, each under its own operator id, agency and place (shifted on a grid so that operators do
not stack on the same stops), one of them a city bus network tiled `big_scale` times.

`generate_many_operators(out_dir, operators=50, start=...)` writes `<operator id>.zip` per operator
and returns what it wrote; the same arguments give byte-identical files. The demo region itself
(`generate_demo_region`) is not changed by this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from regie.demo.citybus import city_bus_tables
from regie.demo.feeds import coach_tables, ferry_tables, rail_tables
from regie.demo.generator import FeedCounts
from regie.gtfs.zip_writer import write_gtfs_zip

GRID_STEP_DEG = 0.5  # between two operators' places (about 40-55 km)
GRID_COLUMNS = 8
BIG_SCALE = 61  # 61 tiles of the city bus: about a million stop_times

Builder = Callable[[date, np.random.Generator, str], dict[str, pd.DataFrame]]
# the mix of the small operators, in turn: (kind, mode, builder)
SMALL_KINDS: tuple[tuple[str, str, Builder], ...] = (
    ("bus", "bus", lambda start, rng, version: city_bus_tables(start, rng, version, scale=2)),
    ("rail", "rail", rail_tables),
    ("coach", "coach", coach_tables),
    ("ferry", "ferry", ferry_tables),
    ("bus", "bus", lambda start, rng, version: city_bus_tables(start, rng, version, scale=1)),
    ("bus", "bus", lambda start, rng, version: city_bus_tables(start, rng, version, scale=3)),
)


@dataclass(frozen=True)
class ManyOperator:
    operator_id: str
    mode: str
    file_name: str
    counts: FeedCounts


@dataclass(frozen=True)
class ManyRegion:
    """What `generate_many_operators` wrote, and the bounding box of every stop (min_lon,
    min_lat, max_lon, max_lat)."""

    out_dir: Path
    operators: tuple[ManyOperator, ...]
    bbox: tuple[float, float, float, float]

    @property
    def stop_times(self) -> int:
        return sum(operator.counts.stop_times for operator in self.operators)


def operator_plan(operators: int, big_scale: int) -> list[tuple[str, str, Builder]]:
    """(operator id, mode, builder) of each operator: the first the big city bus, then the mix."""
    if operators < 1:
        raise ValueError(f"operators must be >= 1, got {operators}")
    if big_scale < 1:
        raise ValueError(f"big_scale must be >= 1, got {big_scale}")
    big: Builder = lambda start, rng, version: city_bus_tables(start, rng, version, scale=big_scale)
    plan = [("op00-bus", "bus", big)]
    for index in range(1, operators):
        kind, mode, builder = SMALL_KINDS[(index - 1) % len(SMALL_KINDS)]
        plan.append((f"op{index:02d}-{kind}", mode, builder))
    return plan


def _relocated(tables: dict[str, pd.DataFrame], operator_id: str, dlat: float, dlon: float) -> dict[str, pd.DataFrame]:
    """The tables moved by (dlat, dlon), with the operator's own agency and feed publisher names."""
    out = dict(tables)
    stops = tables["stops"].copy()
    stops["stop_lat"] = stops["stop_lat"] + dlat
    stops["stop_lon"] = stops["stop_lon"] + dlon
    out["stops"] = stops
    if "shapes" in tables:
        shapes = tables["shapes"].copy()
        shapes["shape_pt_lat"] = shapes["shape_pt_lat"] + dlat
        shapes["shape_pt_lon"] = shapes["shape_pt_lon"] + dlon
        out["shapes"] = shapes
    agency = tables["agency"].copy()
    agency["agency_name"] = f"{agency['agency_name'].iloc[0]} {operator_id}"
    out["agency"] = agency
    return out


def generate_many_operators(out_dir: Path, *, operators: int = 50, start: date, seed: int = 7,
                            big_scale: int = BIG_SCALE) -> ManyRegion:
    """Write one GTFS zip per operator into `out_dir` (services from `start` for 365 days)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written, lats, lons = [], [], []
    for index, (operator_id, mode, builder) in enumerate(operator_plan(operators, big_scale)):
        version = f"{start:%Y%m%d}-s{seed}-{operator_id}"
        row, column = divmod(index, GRID_COLUMNS)
        raw = builder(start, np.random.default_rng([seed, 100 + index]), version)
        tables = _relocated(raw, operator_id, -row * GRID_STEP_DEG, column * GRID_STEP_DEG)
        name = f"{operator_id}.zip"
        write_gtfs_zip(out_dir / name, tables)
        lats.extend(tables["stops"]["stop_lat"].dropna())
        lons.extend(tables["stops"]["stop_lon"].dropna())
        counts = FeedCounts(len(tables["stops"]), len(tables["routes"]), len(tables["trips"]), len(tables["stop_times"]))
        written.append(ManyOperator(operator_id, mode, name, counts))
    bbox = (math.floor(min(lons) * 10) / 10, math.floor(min(lats) * 10) / 10,
            math.ceil(max(lons) * 10) / 10, math.ceil(max(lats) * 10) / 10)
    return ManyRegion(out_dir, tuple(written), bbox)
