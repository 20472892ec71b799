"""`generate_demo_region`: write the demo feeds where `configs/operators.yaml` expects them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from regie.demo.citybus import city_bus_tables
from regie.demo.defects import apply_mugabus_defects
from regie.demo.feeds import coach_tables, ferry_tables, rail_tables
from regie.demo.gbfs import gbfs_documents, write_gbfs
from regie.gtfs.zip_writer import write_gtfs_zip

DEFAULT_GBFS_BASE_URL = "http://127.0.0.1:8797"
# operator -> (file name, seed offset): each operator draws from its own generator
GTFS_FEEDS = {
    "kosta-rail": ("kosta-rail.zip", 1),
    "hiribus": ("hiribus.zip", 2),
    "mugabus": ("mugabus.zip", 3),
    "txingudi-ferry": ("txingudi-ferry.zip", 4),
}
GBFS_FOLDER, GBFS_SEED = "bizi", 5


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class FeedCounts:
    stops: int
    routes: int
    trips: int
    stop_times: int


@dataclass(frozen=True)
class DemoManifest:
    """What `generate_demo_region` wrote: files with their SHA-256, and GTFS sizes per operator
    (`counts`) plus the number of bike-share stations."""

    out_dir: Path
    start: date
    seed: int
    scale: int
    files: tuple[WrittenFile, ...]
    counts: dict[str, FeedCounts]
    bike_stations: int

    def path(self, name: str) -> Path:
        """The written file whose path relative to `out_dir` is `name` ('bizi/gbfs.json')."""
        for f in self.files:
            if f.path.relative_to(self.out_dir).as_posix() == name:
                return f.path
        raise KeyError(name)


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def _written(path: Path) -> WrittenFile:
    data = path.read_bytes()
    return WrittenFile(path, hashlib.sha256(data).hexdigest(), len(data))


def generate_demo_region(
    out_dir: Path, *, start: date, seed: int = 7, scale: int = 1,
    gbfs_base_url: str = DEFAULT_GBFS_BASE_URL, mugabus_defects: bool = True,
) -> DemoManifest:
    """Write kosta-rail.zip, hiribus.zip, mugabus.zip (with `MUGABUS_DEFECTS` unless
    `mugabus_defects` is False: then its good version), txingudi-ferry.zip and the bizi/ GBFS
    folder into `out_dir`.

    Services run from `start` for 365 days. The same (seed, start, scale, gbfs_base_url) gives
    byte-identical files. `scale` multiplies the city bus network (stops, area, trips).
    """
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    version = f"{start:%Y%m%d}-s{seed}-x{scale}"
    builders = {
        "kosta-rail": lambda rng: rail_tables(start, rng, version),
        "hiribus": lambda rng: city_bus_tables(start, rng, version, scale=scale),
        "mugabus": lambda rng: (apply_mugabus_defects if mugabus_defects else dict)(coach_tables(start, rng, version)),
        "txingudi-ferry": lambda rng: ferry_tables(start, rng, version),
    }
    files, counts = [], {}
    for operator, (name, stream) in GTFS_FEEDS.items():
        tables = builders[operator](_rng(seed, stream))
        write_gtfs_zip(out_dir / name, tables)
        files.append(_written(out_dir / name))
        counts[operator] = FeedCounts(len(tables["stops"]), len(tables["routes"]),
                                      len(tables["trips"]), len(tables["stop_times"]))
    docs = gbfs_documents(start, _rng(seed, GBFS_SEED), gbfs_base_url)
    files.extend(_written(p) for p in write_gbfs(out_dir / GBFS_FOLDER, docs))
    return DemoManifest(
        out_dir=out_dir, start=start, seed=seed, scale=scale, files=tuple(files), counts=counts,
        bike_stations=len(docs["station_information.json"]["data"]["stations"]),
    )
