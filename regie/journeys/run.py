"""The journeys stage over the pool: the region's journey graphs and the integration indicator.

    <journeys dir>/internal/   the graph of the internal regional feed (every operator, restricted
                               ones included): the authorities' planner loads it; never published
    <journeys dir>/open/       the same from the open regional feed: the files re-users download
    <journeys dir>/benefit.{csv,json}   what integration brings (per operator, and the region)

Each graph covers `planner.window_days` service days from the region's `as_of` (and the day
before, for trips past midnight), with the integrator's walking transfers of its feed
(`<integration dir>/<name>/transfers.csv`) and the bike-share stations of the latest GBFS
snapshot of each bike-share operator; the open graph takes only open operators' snapshots, and
is refused if anything of a restricted operator reached it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from regie.config.operators import Operator
from regie.config.region import Region
from regie.gtfs.atomic import write_atomic
from regie.gtfs.feed_tables import read_feed_tables
from regie.journeys.benefit import integration_benefit
from regie.journeys.bikeshare import read_gbfs_snapshot
from regie.journeys.build import build_graph
from regie.journeys.connectivity import CutOffHub, connections_per_service_day, cut_off_hubs
from regie.journeys.files import read_graph_files, write_graph_files
from regie.journeys.footpaths import read_walking_transfers
from regie.journeys.graph import JourneyGraph
from regie.store.catalogue.repository import Outcome
from regie.store.paths import Paths

if TYPE_CHECKING:
    from regie.pool import Pool

GRAPH_NAMES = ("internal", "open")


@dataclass
class GraphOutcome:
    """One graph of the stage: built and written to `folder`, or the `reason` it was not."""

    name: str
    folder: Path
    graph: JourneyGraph | None = None
    reason: str = ""
    bike_operators: tuple[str, ...] = ()
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def built(self) -> bool:
        return self.graph is not None


def graph_folder(paths: Paths, name: str) -> Path:
    return paths.journeys_dir / name


def latest_gbfs_snapshots(pool: Pool) -> dict[str, Path]:
    """Each bike-share operator's latest GBFS snapshot folder still on disk (from the catalogue's
    fetch records), by operator id."""
    found: dict[str, Path] = {}
    for operator in pool.registry.operators:
        for feed in operator.feeds:
            if feed.kind.value != "gbfs" or operator.id in found:
                continue
            for fetch in reversed(pool.catalogue.fetches(operator.id, feed.id, outcome=Outcome.SNAPSHOT)):
                folder = pool.paths.snapshot_dir / fetch.snapshot_path if fetch.snapshot_path else None
                if folder is not None and folder.is_dir():
                    found[operator.id] = folder
                    break
    return found


def allowed_operators(operators: Collection[Operator], name: str) -> set[str]:
    """Whose data may go into graph `name`: everyone's for internal, open operators' for open."""
    return {operator.id for operator in operators if name == "internal" or operator.openness == "open"}


def restricted_on_graph(graph: JourneyGraph, restricted: Collection[str]) -> list[str]:
    """Restricted operator ids found on the graph (its operators, or namespaces of its stops)."""
    namespaces = {str(stop_id).partition(":")[0] for stop_id in graph.stop_ids}
    return sorted(set(restricted) & (set(map(str, graph.operator_ids)) | namespaces))


def build_region_graph(paths: Paths, region: Region, operators: Collection[Operator], name: str,
                       snapshots: Mapping[str, Path]) -> GraphOutcome:
    """Build graph `name` ("internal" or "open") from its regional feed and write its files."""
    source = paths.integration_dir / name
    folder = graph_folder(paths, name)
    feed_path = source / "regional.zip"
    if not feed_path.is_file():
        return GraphOutcome(name, folder, reason=f"no regional feed at {feed_path}: the integrate stage has not built it")
    allowed = allowed_operators(operators, name)
    bike_operators = tuple(sorted(op for op in snapshots if op in allowed))
    names = {operator.id: operator.name for operator in operators}
    systems = [read_gbfs_snapshot(snapshots[op], operator_id=op, operator_name=names.get(op, "")) for op in bike_operators]
    transfers_path = source / "transfers.csv"
    transfers = read_walking_transfers(transfers_path) if transfers_path.is_file() else None
    graph = build_graph(read_feed_tables(feed_path), first_service_day=region.as_of,
                        days=region.planner.window_days, timezone=region.timezone, transfers=transfers,
                        bike=systems, settings=region.planner)
    leaked = restricted_on_graph(graph, {op.id for op in operators} - allowed)
    if leaked:
        return GraphOutcome(name, folder, reason=f"refused: restricted operators on the {name} graph: {', '.join(leaked)}")
    files = write_graph_files(graph, folder)
    return GraphOutcome(name, folder, graph, bike_operators=bike_operators, files=files)


def region_graphs(pool: Pool, names: Collection[str] = GRAPH_NAMES) -> dict[str, GraphOutcome]:
    snapshots = latest_gbfs_snapshots(pool)
    return {name: build_region_graph(pool.paths, pool.region, pool.registry.operators, name, snapshots)
            for name in names}


def empty_service_days(graph: JourneyGraph) -> list[str]:
    return [day.isoformat() for day, count in connections_per_service_day(graph).items() if count == 0]


def hubs_cut_off(paths: Paths, graph: JourneyGraph, name: str = "internal") -> list[CutOffHub]:
    """The integrator's hubs (`<integration dir>/<name>/hubs.csv`) the graph cannot reach or leave."""
    hubs_path = paths.integration_dir / name / "hubs.csv"
    if not hubs_path.is_file():
        return []
    hubs = pd.read_csv(hubs_path, dtype=str, keep_default_na=False)
    return cut_off_hubs(graph, hubs)


BENEFIT_HOUR = time(8)  # the indicator's departures: the first service day's morning


@dataclass
class BenefitOutcome:
    """The integration indicator as written: per-operator rows (`table`), the regional figure."""

    table: pd.DataFrame
    regional_ratio: float
    summary: dict[str, Any]
    files: dict[str, Path]


def region_benefit(paths: Paths, region: Region, graph: JourneyGraph | None = None) -> BenefitOutcome:
    """What integration brings, on the internal graph (read from its files unless given), from
    `as_of` at 08:00 with the planner's sample size and budget; written to
    `<journeys dir>/benefit.csv` (one row per operator) and `benefit.json` (with the regional figure)."""
    graph = graph if graph is not None else read_graph_files(graph_folder(paths, "internal"))
    result = integration_benefit(graph, datetime.combine(region.as_of, BENEFIT_HOUR), settings=region.planner)
    table = result.table()
    summary = result.to_dict()
    files = {"csv": paths.journeys_dir / "benefit.csv", "json": paths.journeys_dir / "benefit.json"}
    paths.journeys_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(files["csv"], table.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    write_atomic(files["json"], (json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
    return BenefitOutcome(table, float(result.regional_ratio), summary, files)
