"""Footpath edges as parallel arrays, before they are grouped by from-stop on the graph."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Edges:
    source: np.ndarray  # int64 from stop
    target: np.ndarray  # int64 to stop
    duration: np.ndarray  # float64 seconds
    distance: np.ndarray  # float64 metres (NaN: unknown)
    kind: np.ndarray  # int64 WALK / IN_STATION / BIKE_RIDE / ACCESS
    wheelchair: np.ndarray  # int64 UNKNOWN / ACCESSIBLE / NOT_ACCESSIBLE

    @classmethod
    def empty(cls) -> Edges:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, np.zeros(0), np.zeros(0), none, none)

    @classmethod
    def concat(cls, parts: list[Edges]) -> Edges:
        return cls(*(np.concatenate([getattr(p, name) for p in parts]) for name in
                     ("source", "target", "duration", "distance", "kind", "wheelchair")))

    def take(self, rows: np.ndarray) -> Edges:
        return Edges(self.source[rows], self.target[rows], self.duration[rows], self.distance[rows],
                     self.kind[rows], self.wheelchair[rows])

    def __len__(self) -> int:
        return len(self.source)
