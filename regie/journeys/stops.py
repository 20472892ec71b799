"""The graph's stops from stops.txt: stops and platforms (location_type 0 or empty) and stations
(1), with coordinates, parent station and wheelchair boarding inherited from the station when 0.
Entrances, generic nodes and boarding areas (2, 3, 4) are not graph stops: they only carry
pathways between a station's platforms (`regie.journeys.footpaths`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from regie.gtfs.columns import column, location_types, numeric, table
from regie.gtfs.feed_tables import TableLookup
from regie.journeys.graph import UNKNOWN

STOP, BIKE_STATION, STATION = 0, 1, 2  # stop_kind values


@dataclass
class Stops:
    ids: np.ndarray  # object (str)
    names: np.ndarray  # object (str)
    lat: np.ndarray  # float64, NaN when missing
    lon: np.ndarray
    parent: np.ndarray  # int32 station index, -1
    wheelchair: np.ndarray  # int8
    kind: np.ndarray  # int8 STOP / BIKE_STATION / STATION

    @property
    def index(self) -> pd.Index:
        return pd.Index(self.ids)


def _coordinates(stops: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = numeric(stops, "stop_lat").to_numpy(), numeric(stops, "stop_lon").to_numpy()
    bad = ((lat == 0) & (lon == 0)) | (np.abs(lat) > 90) | (np.abs(lon) > 180)
    return np.where(bad, np.nan, lat), np.where(bad, np.nan, lon)


def graph_stops(feed: TableLookup, warnings: list[str]) -> Stops:
    """Stops, platforms and stations of stops.txt (first row of a repeated stop_id), in file order."""
    stops = table(feed, "stops")
    ids = column(stops, "stop_id")
    kind = location_types(stops).to_numpy()
    keep = ((kind == 0) | (kind == 1)) & (ids != "").to_numpy() & ~ids.duplicated().to_numpy()
    if (ids.duplicated() & (ids != "")).any():
        warnings.append(f"{int((ids.duplicated() & (ids != '')).sum())} repeated stop_id(s) in stops.txt: first kept")
    frame = stops[keep]
    lat, lon = _coordinates(frame)
    stop_ids = column(frame, "stop_id").to_numpy(dtype=object)
    parent = pd.Index(stop_ids).get_indexer(column(frame, "parent_station").to_numpy(dtype=object))
    is_station = kind[keep] == 1
    valid = (parent >= 0) & ~is_station
    parent = np.where(valid & is_station[np.maximum(parent, 0)], parent, -1)  # a platform's station only
    boarding = numeric(frame, "wheelchair_boarding").fillna(0).to_numpy()
    boarding = np.where(np.isin(boarding, (0, 1, 2)), boarding, UNKNOWN).astype(np.int8)
    inherited = (boarding == UNKNOWN) & (parent >= 0)
    boarding[inherited] = boarding[parent[inherited]]
    return Stops(ids=stop_ids, names=column(frame, "stop_name").to_numpy(dtype=object), lat=lat, lon=lon,
                 parent=parent.astype(np.int32), wheelchair=boarding,
                 kind=np.where(is_station, STATION, STOP).astype(np.int8))
