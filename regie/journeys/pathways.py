"""Walks between the platforms of a station through its pathways.txt: the shortest route over
every pathway, and the shortest step-free one (no stairs, pathway_mode 2, nor escalator, 4).

A pathway takes its traversal_time, else length / walk_speed_mps, else `pathway_default_s`;
is_bidirectional 1 adds the way back. A boarding area (location_type 4) stands for its platform.
For each pair of platforms: one ACCESSIBLE edge when the step-free route is as fast, else a
NOT_ACCESSIBLE edge for the fast route and, when there is one, an ACCESSIBLE edge for the
step-free route. Shortest routes are found by rounds of relaxation over all pathways at once
(one round per pathway of the longest route).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from regie.config.region import PlannerSettings
from regie.gtfs.columns import column, location_types, numeric, table
from regie.gtfs.feed_tables import TableLookup
from regie.gtfs.geo import haversine_m
from regie.journeys.edges import Edges
from regie.journeys.graph import ACCESSIBLE, IN_STATION, NOT_ACCESSIBLE
from regie.journeys.stops import STOP, Stops

STAIRS, ESCALATOR = 2, 4
MAX_ROUNDS = 200


def _node_stops(feed: TableLookup, stops: Stops) -> tuple[pd.Index, np.ndarray]:
    """Every stop_id of stops.txt, and for each the graph stop it stands for (its own, or a
    boarding area's platform), -1 for entrances and nodes."""
    frame = table(feed, "stops")
    ids = column(frame, "stop_id").to_numpy(dtype=object)
    parent = column(frame, "parent_station").to_numpy(dtype=object)
    kind = location_types(frame).to_numpy()
    graph = stops.index.get_indexer(np.where(kind == 4, parent, ids))
    return pd.Index(ids), np.where(np.isin(kind, (0, 4)), graph, -1)


def shortest(source: np.ndarray, target: np.ndarray, weight: np.ndarray, origins: np.ndarray) -> pd.DataFrame:
    """Columns origin, node, seconds: the shortest time from each origin node to every node it
    reaches over the directed edges."""
    edges = pd.DataFrame({"node": source, "to": target, "w": weight})
    best = pd.DataFrame({"origin": origins, "node": origins, "seconds": 0.0})
    frontier = best
    for _ in range(MAX_ROUNDS):
        step = frontier.merge(edges, on="node")
        if not len(step):
            break
        step = pd.DataFrame({"origin": step["origin"], "node": step["to"], "seconds": step["seconds"] + step["w"]})
        step = step.groupby(["origin", "node"], as_index=False)["seconds"].min()
        merged = step.merge(best, on=["origin", "node"], how="left", suffixes=("", "_old"))
        better = merged[~(merged["seconds_old"] <= merged["seconds"])][["origin", "node", "seconds"]]
        if not len(better):
            break
        best = pd.concat([best, better]).groupby(["origin", "node"], as_index=False)["seconds"].min()
        frontier = better
    return best


def pathway_edges(feed: TableLookup, stops: Stops, settings: PlannerSettings) -> tuple[Edges, np.ndarray]:
    """Edges between platforms through pathways, and per graph stop whether it is a station
    with pathways (its platforms get no `in_station_s` edges)."""
    with_pathways = np.zeros(len(stops.ids), dtype=bool)
    pathways = table(feed, "pathways")
    if not len(pathways):
        return Edges.empty(), with_pathways
    node_ids, node_stop = _node_stops(feed, stops)
    source = node_ids.get_indexer(column(pathways, "from_stop_id").to_numpy(dtype=object))
    target = node_ids.get_indexer(column(pathways, "to_stop_id").to_numpy(dtype=object))
    mode = numeric(pathways, "pathway_mode").to_numpy()
    both_ways = numeric(pathways, "is_bidirectional").to_numpy() == 1
    seconds = numeric(pathways, "traversal_time").to_numpy()
    by_length = numeric(pathways, "length").to_numpy() / settings.walk_speed_mps
    seconds = np.where(seconds >= 0, seconds, np.where(by_length >= 0, np.ceil(by_length), settings.pathway_default_s))
    ok = (source >= 0) & (target >= 0)
    source, target, seconds, both_ways = source[ok], target[ok], seconds[ok], both_ways[ok]
    step_free = ~np.isin(mode[ok], (STAIRS, ESCALATOR))
    source, target = np.r_[source, target[both_ways]], np.r_[target, source[both_ways]]
    seconds, step_free = np.r_[seconds, seconds[both_ways]], np.r_[step_free, step_free[both_ways]]

    platforms = np.unique(np.r_[source, target])
    platforms = platforms[node_stop[platforms] >= 0]
    platforms = platforms[stops.kind[node_stop[platforms]] == STOP]
    stations = stops.parent[node_stop[platforms]]
    with_pathways[stations[stations >= 0]] = True
    fast = shortest(source, target, seconds, platforms)
    free = shortest(source[step_free], target[step_free], seconds[step_free], platforms)
    pairs = fast.merge(free, on=["origin", "node"], how="left", suffixes=("", "_free"))
    pairs = pairs.assign(origin=node_stop[pairs["origin"].to_numpy()], node=node_stop[pairs["node"].to_numpy()])
    pairs = pairs[(pairs["node"] >= 0) & (pairs["origin"] != pairs["node"])]
    pairs = pairs[stops.kind[pairs["node"].to_numpy()] == STOP]
    pairs = pairs.groupby(["origin", "node"], as_index=False)[["seconds", "seconds_free"]].min()
    origin, node = pairs["origin"].to_numpy(dtype=np.int64), pairs["node"].to_numpy(dtype=np.int64)
    quick, free_s = pairs["seconds"].to_numpy(dtype=float), pairs["seconds_free"].to_numpy(dtype=float)
    same = free_s <= quick  # NaN compares False
    slower = np.isfinite(free_s) & ~same
    source = np.r_[origin, origin[slower]]
    target = np.r_[node, node[slower]]
    duration = np.r_[quick, free_s[slower]]
    wheelchair = np.r_[np.where(same, ACCESSIBLE, NOT_ACCESSIBLE), np.full(int(slower.sum()), ACCESSIBLE)]
    distance = haversine_m(stops.lat[source], stops.lon[source], stops.lat[target], stops.lon[target])
    return Edges(source, target, duration, distance, np.full(len(source), IN_STATION),
                 wheelchair.astype(np.int64)), with_pathways
