"""Footpaths of the graph: walking transfers, walks within stations, bike-share legs, as edges
(from stop, to stop, seconds, metres, kind, wheelchair) grouped by from-stop (CSR).

Sources, the first that names a (from, to) pair wins it:
1. the integrator's walking transfers (`transfers`, FOOTPATH_COLUMNS; `read_walking_transfers`
   reads its transfers.csv): duration = min_transfer_time;
2. the feed's transfers.txt: transfer_type 2 with min_transfer_time; types 0 and 1 between two
   stops without a time: the walk (straight line × walk_detour / walk_speed_mps); type 3 (no
   transfer possible) removes the pair from every source;
3. pathways.txt within a station (`regie.journeys.pathways`);
4. the platforms of one station without pathways: `in_station_s`;
5. any two stops at most `nearby_walk_m` apart (off at 0): the walk.
A pair from a source with one edge per accessibility keeps them all (a pathway route with stairs
and a longer one without). Edges from a stop to itself are left out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from regie.config.region import PlannerSettings
from regie.gtfs.columns import column, numeric, table
from regie.gtfs.feed_tables import TableLookup
from regie.gtfs.geo import haversine_m
from regie.journeys.edges import Edges
from regie.journeys.graph import IN_STATION, UNKNOWN, WALK
from regie.journeys.pathways import pathway_edges
from regie.journeys.spatial import pairs_within
from regie.journeys.stops import STOP, Stops

FOOTPATH_COLUMNS = ["from_stop_id", "to_stop_id", "duration_s", "distance_m", "kind"]


def read_walking_transfers(path: Path) -> pd.DataFrame:
    """The integrator's transfers.csv (data/integration/<internal|open>/transfers.csv) as
    FOOTPATH_COLUMNS: duration_s = min_transfer_time, distance_m as computed (NaN for the
    operators' own rows), kind WALK. Rows without a time, or of transfer_type 3, are left out."""
    frame = pd.read_csv(path, dtype="str", keep_default_na=False)

    def numbers(name: str) -> pd.Series:
        values = frame[name] if name in frame.columns else pd.Series("", index=frame.index)
        return pd.to_numeric(values, errors="coerce")

    duration = numbers("min_transfer_time")
    keep = duration.notna() & (numbers("transfer_type") != 3)
    out = pd.DataFrame({"from_stop_id": frame.get("from_stop_id", ""), "to_stop_id": frame.get("to_stop_id", ""),
                        "duration_s": duration, "distance_m": numbers("distance_m"), "kind": WALK})
    return out[keep][FOOTPATH_COLUMNS].reset_index(drop=True)


def walk_seconds(metres: np.ndarray, settings: PlannerSettings) -> np.ndarray:
    return np.ceil(metres * settings.walk_detour / settings.walk_speed_mps)


def _between(stops: Stops, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    return haversine_m(stops.lat[source], stops.lon[source], stops.lat[target], stops.lon[target])


def _given(transfers: pd.DataFrame | None, stops: Stops) -> Edges:
    if transfers is None or not len(transfers):
        return Edges.empty()
    index = stops.index
    source = index.get_indexer(transfers["from_stop_id"].astype("str").to_numpy(dtype=object))
    target = index.get_indexer(transfers["to_stop_id"].astype("str").to_numpy(dtype=object))
    duration = pd.to_numeric(transfers["duration_s"], errors="coerce").to_numpy(dtype=float)
    ok = (source >= 0) & (target >= 0) & (source != target) & np.isfinite(duration) & (duration >= 0)
    source, target = source[ok], target[ok]
    distance = pd.to_numeric(transfers["distance_m"], errors="coerce").to_numpy(dtype=float)[ok] \
        if "distance_m" in transfers else np.full(len(source), np.nan)
    distance = np.where(np.isfinite(distance), distance, _between(stops, source, target))
    kind = pd.to_numeric(transfers["kind"], errors="coerce").fillna(WALK).to_numpy(dtype=np.int64)[ok] \
        if "kind" in transfers else np.full(len(source), WALK)
    return Edges(source, target, duration[ok], distance, kind, np.full(len(source), UNKNOWN))


def _feed_transfers(feed: TableLookup, stops: Stops, settings: PlannerSettings) -> tuple[Edges, pd.MultiIndex]:
    """Edges of transfers.txt, and the (from, to) pairs of transfer_type 3."""
    transfers = table(feed, "transfers")
    if not len(transfers):
        return Edges.empty(), pd.MultiIndex.from_arrays([[], []])
    index = stops.index
    source = index.get_indexer(column(transfers, "from_stop_id").to_numpy(dtype=object))
    target = index.get_indexer(column(transfers, "to_stop_id").to_numpy(dtype=object))
    kind = numeric(transfers, "transfer_type").fillna(0).to_numpy()
    minimum = numeric(transfers, "min_transfer_time").to_numpy()
    known = (source >= 0) & (target >= 0) & (source != target)
    refused = known & (kind == 3)
    pairs = pd.MultiIndex.from_arrays([source[refused], target[refused]])
    take = known & ((kind == 2) & (minimum >= 0) | np.isin(kind, (0, 1)))
    source, target, minimum = source[take], target[take], minimum[take]
    distance = _between(stops, source, target)
    duration = np.where(minimum >= 0, minimum, walk_seconds(distance, settings))  # NaN compares False
    ok = np.isfinite(duration)
    edges = Edges(source[ok], target[ok], duration[ok], distance[ok], np.full(int(ok.sum()), WALK),
                  np.full(int(ok.sum()), UNKNOWN))
    return edges, pairs


def _in_station(stops: Stops, with_pathways: np.ndarray, settings: PlannerSettings) -> Edges:
    """Every ordered pair of platforms of a station without pathways."""
    platform = np.flatnonzero((stops.parent >= 0) & (stops.kind == STOP))
    platform = platform[~with_pathways[stops.parent[platform]]]
    station = stops.parent[platform]
    order = np.argsort(station, kind="stable")
    platform, station = platform[order], station[order]
    starts = np.searchsorted(station, station, "left")
    counts = np.searchsorted(station, station, "right") - starts
    source = np.repeat(platform, counts)
    target = platform[np.repeat(starts, counts) + np.arange(len(source)) - np.repeat(np.cumsum(counts) - counts, counts)]
    keep = source != target
    source, target = source[keep], target[keep]
    return Edges(source, target, np.full(len(source), float(settings.in_station_s)), _between(stops, source, target),
                 np.full(len(source), IN_STATION), np.full(len(source), UNKNOWN))


def _nearby(stops: Stops, settings: PlannerSettings) -> Edges:
    if settings.nearby_walk_m <= 0:
        return Edges.empty()
    boardable = np.flatnonzero(stops.kind == STOP)
    i, j, metres = pairs_within(stops.lat[boardable], stops.lon[boardable], stops.lat[boardable],
                                stops.lon[boardable], settings.nearby_walk_m)
    keep = i != j
    source, target, metres = boardable[i[keep]], boardable[j[keep]], metres[keep]
    return Edges(source, target, walk_seconds(metres, settings), metres, np.full(len(source), WALK),
                 np.full(len(source), UNKNOWN))


def first_source_wins(parts: list[Edges], refused: pd.MultiIndex) -> Edges:
    """The edges of each (from, to) pair from the first part that has it; refused pairs dropped."""
    edges = Edges.concat(parts)
    rank = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    if not len(edges):
        return edges
    frame = pd.DataFrame({"s": edges.source, "t": edges.target, "rank": rank})
    best = frame.groupby(["s", "t"])["rank"].transform("min").to_numpy()
    keep = rank == best
    if len(refused):
        keep &= ~pd.MultiIndex.from_arrays([edges.source, edges.target]).isin(refused)
    return edges.take(np.flatnonzero(keep))


def footpath_edges(feed: TableLookup, stops: Stops, transfers: pd.DataFrame | None,
                   settings: PlannerSettings) -> Edges:
    """Every footpath of the feed's stops (the module docstring's sources, in that order)."""
    from_feed, refused = _feed_transfers(feed, stops, settings)
    pathways, with_pathways = pathway_edges(feed, stops, settings)
    parts = [_given(transfers, stops), from_feed, pathways, _in_station(stops, with_pathways, settings),
             _nearby(stops, settings)]
    return first_source_wins(parts, refused)


def csr(edges: Edges, stop_count: int) -> tuple[np.ndarray, Edges]:
    """Offsets (int32, stop_count + 1) and the edges sorted by (from, to, duration)."""
    order = np.lexsort((edges.duration, edges.target, edges.source))
    edges = edges.take(order)
    offsets = np.r_[0, np.cumsum(np.bincount(edges.source, minlength=stop_count))].astype(np.int32)
    return offsets, edges
