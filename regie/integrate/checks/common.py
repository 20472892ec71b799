"""What the pool checks share: their settings, which hub a stop is in, each operator's service
dates, pairs of operators, and building their findings (a `quality.notices` frame, source "pool")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from quality.notices import NOTICE_COLUMNS, Severity, Source, notices_frame
from regie.gtfs.calendar import service_dates
from regie.gtfs.columns import column
from regie.integrate.normalise import NormalisedFeed
from regie.integrate.stops.matching import MatchResult

SAMPLE_SIZE = 5  # ids or hubs named in a finding


@dataclass(frozen=True)
class PoolCheckSettings:
    """The checks' thresholds (from `regie.config.region.PoolCheckThresholds`)."""

    near_stop_m: float = 25.0  # stops of different operators closer than this and not linked -> finding
    duplicate_trip_min_stops: int = 2  # trips with fewer stop_times rows are never duplicates
    corridor_min_shared_hubs: int = 1  # operators sharing at least this many hubs serve "the same corridor"
    calendar_gap_min_days: int = 1  # shorter gaps are not reported


DEFAULT_SETTINGS = PoolCheckSettings()


def stop_hubs(match: MatchResult, stops: pd.DataFrame) -> pd.Series:
    """stop_id -> hub_id for every stop in a hub: members, re-parented stops, and the children
    (and grandchildren, e.g. boarding areas) of a stop or station in a hub."""
    hubs = match.hubs
    parts = []
    if len(hubs):
        members = hubs[["hub_id", "members"]].explode("members").dropna(subset=["members"])
        parts.append(pd.Series(members["hub_id"].to_numpy(), index=members["members"].to_numpy()))
        parts.append(pd.Series(hubs["hub_id"].to_numpy(), index=hubs["station_id"].to_numpy()))
    if len(match.reparent):
        parts.append(pd.Series(match.reparent["hub_id"].to_numpy(), index=match.reparent["stop_id"].to_numpy()))
    if not parts:
        return pd.Series([], dtype="str")
    hub_of = pd.concat(parts)
    hub_of = hub_of[~hub_of.index.duplicated()]
    parent = pd.Series(column(stops, "parent_station").to_numpy(), index=column(stops, "stop_id").to_numpy())
    parent = parent[(parent != "") & ~parent.index.duplicated()]
    for _ in range(2):  # platform -> station, boarding area -> platform -> station
        inherited = parent[~parent.index.isin(hub_of.index)].map(hub_of).dropna()
        hub_of = pd.concat([hub_of, inherited])
    return hub_of.astype("str")


class OperatorDates:
    """service_id, date of the services some trip of a feed uses, computed once per operator
    (shared by the duplicate-trip and calendar-gap checks)."""

    def __init__(self) -> None:
        self._memo: dict[str, pd.DataFrame] = {}

    def __call__(self, feed: NormalisedFeed) -> pd.DataFrame:
        if feed.operator_id not in self._memo:
            dates = service_dates(feed.tables)
            trips = feed.tables.get("trips")
            used = pd.unique(column(trips, "service_id")) if trips is not None else []
            self._memo[feed.operator_id] = dates[dates["service_id"].isin(used)].reset_index(drop=True)
        return self._memo[feed.operator_id]


def operator_pairs(frame: pd.DataFrame, key: list[str], operator: str = "operator_id") -> pd.DataFrame:
    """Self-join of `frame` on `key` keeping rows of two operators, operator_a < operator_b."""
    pairs = frame.merge(frame, on=key, suffixes=("_a", "_b"))
    return pairs[pairs[f"{operator}_a"] < pairs[f"{operator}_b"]].reset_index(drop=True)


def findings(code: str, severity: Severity, message: pd.Series | list[str], context: list[dict[str, Any]], *,
             file: str | pd.Series | None = None, field: str | pd.Series | None = None) -> pd.DataFrame:
    """A notice frame (source "pool") of one row per context; `file` and `field` one value for all
    rows or one per row."""
    if not len(context):
        return notices_frame()

    def values(value: Any) -> list[Any]:
        return list(value) if isinstance(value, pd.Series) else [value] * len(context)

    return notices_frame(pd.DataFrame({
        "code": code, "severity": severity.value, "source": Source.POOL.value, "file": values(file), "row": None,
        "field": values(field), "message": list(message), "context": context}, columns=NOTICE_COLUMNS))


def plain(value: Any) -> Any:
    """A JSON-serialisable Python value (numpy scalars, timestamps, NaN)."""
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if np.isnan(value) else float(value)
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    return value


def contexts(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """One JSON-serialisable dict of `columns` per row of `frame` (the findings' context)."""
    return [{name: plain(value) for name, value in zip(columns, values, strict=True)}
            for values in frame[columns].itertuples(index=False, name=None)]
