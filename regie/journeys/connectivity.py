"""What the journey graph's checks measure: connections per service day, and the integrator's
hubs that the network cannot reach or leave.

Reachability is taken on the graph as a whole window (every hop of every trip instance, every
footpath and bike leg; stops merged into their station): a hub is cut off when it is outside the
network's largest strongly connected part, i.e. it cannot reach, or cannot be reached from, the
rest of the network within the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from regie.journeys.graph import JourneyGraph


def connections_per_service_day(graph: JourneyGraph) -> dict[date, int]:
    """Connections of each service day of the window (day 0, the day before, is left out: it is
    on the graph only for its trips past midnight)."""
    days = graph.trip_day[graph.conn_trip] if graph.connection_count else np.empty(0, dtype=np.int16)
    counts = np.bincount(days.astype(np.int64), minlength=graph.days)
    return {graph.first_day + timedelta(days=day): int(counts[day]) for day in range(1, graph.days)}


def _station_of(graph: JourneyGraph) -> np.ndarray:
    index = np.arange(graph.stop_count, dtype=np.int64)
    parent = graph.stop_parent.astype(np.int64)
    return np.where(parent >= 0, parent, index)


def strong_components(graph: JourneyGraph) -> tuple[np.ndarray, int]:
    """(component label of each stop, label of the main component: the one with the most stops
    served by a connection). Stops of one station share its label."""
    station = _station_of(graph)
    offsets = np.asarray(graph.foot_offsets, dtype=np.int64)
    degrees = offsets[1:] - offsets[:-1]
    sources = np.repeat(np.arange(graph.stop_count, dtype=np.int64), degrees)
    rows = np.concatenate([station[graph.conn_dep_stop], station[sources]])
    cols = np.concatenate([station[graph.conn_arr_stop], station[graph.foot_to]])
    size = graph.stop_count
    matrix = csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))
    _, labels = connected_components(matrix, directed=True, connection="strong")
    served = np.unique(station[np.concatenate([graph.conn_dep_stop, graph.conn_arr_stop])])
    if len(served) == 0:
        return labels, -1
    counts = np.bincount(labels[served])
    return labels, int(np.argmax(counts))


@dataclass(frozen=True)
class CutOffHub:
    hub_id: str
    name: str
    reason: str  # "not on the graph" | "cut off from the network"

    def to_dict(self) -> dict[str, str]:
        return {"hub_id": self.hub_id, "name": self.name, "reason": self.reason}


def cut_off_hubs(graph: JourneyGraph, hubs: pd.DataFrame) -> list[CutOffHub]:
    """Hubs of `hubs.csv` (hub_id, station_id, station_name, members: space-joined stop ids)
    whose stops are not on the graph or lie outside its main strongly connected component."""
    labels, main = strong_components(graph)
    station = _station_of(graph)
    position = {str(stop_id): index for index, stop_id in enumerate(graph.stop_ids)}
    found = []
    for hub in hubs.itertuples(index=False):
        ids = [str(hub.station_id), *str(getattr(hub, "members", "") or "").split()]
        on_graph = [position[stop_id] for stop_id in ids if stop_id in position]
        name = str(getattr(hub, "station_name", "") or hub.hub_id)
        if not on_graph:
            found.append(CutOffHub(str(hub.hub_id), name, "not on the graph"))
        elif not any(labels[station[index]] == main for index in on_graph):
            found.append(CutOffHub(str(hub.hub_id), name, "cut off from the network"))
    return found
