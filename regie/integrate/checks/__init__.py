"""Checks across the operators of a pool that no single-feed validator makes (Dagster-free).

`pool_checks(feeds, match, stops, settings) -> findings` (a `quality.notices` frame, source
"pool", one row per finding, `context` naming operator_a/operator_b and the ids involved):

- `pool_id_collision` (INFO): the same raw id (the normalised id without its `<operator>:`
  prefix) defined by two operators for one id kind (`schema.DEFINED_BY`, plus calendar and
  calendar_dates for services and shapes.txt for shapes). One finding per (kind, operator pair)
  with the count and a sample. Namespacing already keeps them apart; the finding documents it.
- `pool_duplicate_trip` (WARNING): trips of two operators with the same stop sequence (a stop
  stands for its hub when it is in one, else for itself), the same arrival and departure times,
  and at least one common service date. Each trip's signature is hashed (two 64-bit hashes of the
  rows with their position, summed per trip, and the row count), so trips are grouped, never
  compared pairwise. One finding per pair of trips.
- `pool_unlinked_nearby_stops` (WARNING): stops/platforms (location_type 0 or empty) of two
  operators less than `near_stop_m` apart and not in one hub. Pairs denied by an override are
  left out (someone decided they are different places).
- `pool_calendar_gap` (WARNING): two operators sharing at least `corridor_min_shared_hubs` hubs,
  and a period of at least `calendar_gap_min_days` consecutive days, within the span where at
  least one of them runs, in which one has service and the other none at all (its feed has not
  started, has ended, or has no service those days): connections at the shared hubs break. A
  period runs from the first to the last day the one runs within a stretch without any service of
  the other; days when neither runs inside it belong to it (a weekday-only operator's gap is one
  period, not one per week). `gap_kind`: before_start, after_end, interruption, no_service.

A stop is in a hub when it is a hub member, was re-parented into one, or its parent station is in
one (so a station's platforms follow the station). Service dates are calendar + calendar_dates
(`regie.normalise.timezones.service_dates`), of the services some trip uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from quality.notices import NOTICE_COLUMNS, Severity, Source, notices_frame
from regie.gtfs.calendar import service_dates
from regie.gtfs.columns import column, gtfs_seconds, raw_column, text_codes
from regie.gtfs.schema import DEFINED_BY
from regie.gtfs.times import format_seconds
from regie.integrate.normalise import NormalisedFeed
from regie.integrate.stops.frame import combined_stops
from regie.integrate.stops.matching import MatchResult
from regie.integrate.stops.spatial import pairs_within

ID_COLLISION = "pool_id_collision"
DUPLICATE_TRIP = "pool_duplicate_trip"
UNLINKED_NEARBY_STOPS = "pool_unlinked_nearby_stops"
CALENDAR_GAP = "pool_calendar_gap"
CODES = {ID_COLLISION: Severity.INFO, DUPLICATE_TRIP: Severity.WARNING,
         UNLINKED_NEARBY_STOPS: Severity.WARNING, CALENDAR_GAP: Severity.WARNING}
SAMPLE_SIZE = 5

# where ids of a kind are defined: schema.DEFINED_BY, plus the other tables defining one
DEFINITIONS: dict[str, tuple[tuple[str, str], ...]] = {
    kind: (where,) + {"service": (("calendar", "service_id"), ("calendar_dates", "service_id")),
                      "shape": (("shapes", "shape_id"),)}.get(kind, ())
    for kind, where in DEFINED_BY.items()
}
_STOP_KEY_HASH = "regie-pool-hash1"  # 16 characters (pandas' hash key)


@dataclass(frozen=True)
class PoolCheckSettings:
    near_stop_m: float = 25.0  # stops of different operators closer than this and not linked -> finding
    duplicate_trip_min_stops: int = 2  # trips with fewer stop_times rows are never duplicates
    corridor_min_shared_hubs: int = 1  # operators sharing at least this many hubs serve "the same corridor"
    calendar_gap_min_days: int = 1  # shorter gaps are not reported


# --- shared helpers -------------------------------------------------------------------------------

def pool_stops(feeds: Mapping[str, NormalisedFeed]) -> pd.DataFrame:
    """The combined stops frame (`regie.stops.frame` shape) of normalised feeds, ids unchanged
    (`combined_stops(feeds, namespace=False)`, keyed by each feed's operator id)."""
    return combined_stops({feed.operator_id: feed for feed in feeds.values()}, namespace=False)


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


def _operator_pairs(frame: pd.DataFrame, key: list[str], operator: str = "operator_id") -> pd.DataFrame:
    """Self-join of `frame` on `key` keeping rows of two operators, operator_a < operator_b."""
    pairs = frame.merge(frame, on=key, suffixes=("_a", "_b"))
    return pairs[pairs[f"{operator}_a"] < pairs[f"{operator}_b"]].reset_index(drop=True)


def _findings(code: str, message: pd.Series | list[str], context: list[dict[str, Any]], *,
              file: str | pd.Series | None = None, field: str | pd.Series | None = None) -> pd.DataFrame:
    if not len(context):
        return notices_frame()

    def values(value: Any) -> list[Any]:
        return list(value) if isinstance(value, pd.Series) else [value] * len(context)

    return notices_frame(pd.DataFrame({
        "code": code, "severity": CODES[code].value, "source": Source.POOL.value, "file": values(file), "row": None,
        "field": values(field), "message": list(message), "context": context}, columns=NOTICE_COLUMNS))


def _plain(value: Any) -> Any:
    """A JSON-serialisable Python value (numpy scalars, timestamps, NaN)."""
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if np.isnan(value) else float(value)
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    return value


def _contexts(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return [{name: _plain(value) for name, value in zip(columns, values, strict=True)}
            for values in frame[columns].itertuples(index=False, name=None)]


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d")


# --- 1. id collisions -----------------------------------------------------------------------------

def _distinct(values: pd.Series) -> np.ndarray:
    """The distinct values (object array); a categorical's used categories, without expanding it."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = np.unique(values.cat.codes.to_numpy())
        return values.cat.categories.to_numpy(dtype=object)[codes[codes >= 0]]
    return pd.unique(values.to_numpy(dtype=object))


def id_collisions(feeds: Mapping[str, NormalisedFeed]) -> pd.DataFrame:
    """pool_id_collision findings: one per (id kind, pair of operators defining the same raw ids)."""
    kinds, operators, ids = [], [], []
    for feed in feeds.values():
        for kind, places in DEFINITIONS.items():
            for table_name, field in places:
                frame = feed.tables.get(table_name)
                if frame is not None and field in frame.columns:
                    values = _distinct(frame[field])
                    kinds.append(np.full(len(values), kind, dtype=object))
                    operators.append(np.full(len(values), feed.operator_id, dtype=object))
                    ids.append(values)
    if not ids:
        return notices_frame()
    # operator ids are slugs (no ":"): the raw id is what follows the first ":" of an id of its operator
    split = pd.Series(np.concatenate(ids), dtype="str").fillna("").str.strip().str.partition(":")
    defined = pd.DataFrame({"kind": np.concatenate(kinds), "operator_id": np.concatenate(operators),
                            "prefix": split[0], "raw_id": split[2]})
    defined = defined[(defined["prefix"] == defined["operator_id"]) & (defined["raw_id"] != "")]
    defined = defined[["kind", "operator_id", "raw_id"]].drop_duplicates()
    shared = defined[defined.duplicated(["kind", "raw_id"], keep=False)]
    pairs = _operator_pairs(shared, ["kind", "raw_id"]).sort_values(["kind", "operator_id_a", "operator_id_b", "raw_id"])
    if not len(pairs):
        return notices_frame()
    grouped = pairs.groupby(["kind", "operator_id_a", "operator_id_b"], sort=True)["raw_id"]
    summary = pd.DataFrame({"count": grouped.size(), "sample_ids": grouped.agg(lambda ids: list(ids[:SAMPLE_SIZE]))})
    summary = summary.reset_index().rename(columns={"operator_id_a": "operator_a", "operator_id_b": "operator_b"})
    summary["file"] = summary["kind"].map(lambda kind: f"{DEFINED_BY[kind][0]}.txt")
    summary["field"] = summary["kind"].map(lambda kind: DEFINED_BY[kind][1])
    sample = summary["sample_ids"].map(lambda ids: ", ".join(ids))
    more = np.where(summary["count"] > SAMPLE_SIZE, ", ...", "")
    message = (summary["count"].astype(str) + " " + summary["field"] + " value(s) are used by both "
               + summary["operator_a"] + " and " + summary["operator_b"] + " (" + sample + more
               + "); namespacing keeps them apart as <operator>:<id>, so nothing joins by accident.")
    return _findings(ID_COLLISION, message,
                     _contexts(summary, ["operator_a", "operator_b", "kind", "field", "count", "sample_ids"]),
                     file=summary["file"], field=summary["field"])


# --- 2. duplicate trips ---------------------------------------------------------------------------

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


_SEEDS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))  # two independent 64-bit hashes


def _mix(values: np.ndarray, seed: np.uint64) -> np.ndarray:
    """splitmix64 of uint64 values (vectorised, wraps modulo 2**64)."""
    z = values.astype(np.uint64) + seed
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@dataclass(frozen=True)
class TripTimes:
    """One operator's stop_times as integer arrays, rows in trip then stop_sequence order:
    `trip` and `stop` are codes into `trip_ids` and `stop_ids`, times in seconds (-1: none).
    From a compacted table, built on its codes without touching its rows' text."""

    trip_ids: np.ndarray
    stop_ids: np.ndarray
    trip: np.ndarray
    stop: np.ndarray
    arrival: np.ndarray
    departure: np.ndarray

    @classmethod
    def of(cls, stop_times: pd.DataFrame | None) -> TripTimes:
        if stop_times is None or not len(stop_times):
            empty = np.zeros(0, dtype=np.int32)
            return cls(np.array([], dtype=object), np.array([], dtype=object), empty, empty, empty, empty)
        trip, trip_ids = text_codes(raw_column(stop_times, "trip_id"))
        seq_codes, seq_values = text_codes(raw_column(stop_times, "stop_sequence"))
        sequence = pd.to_numeric(pd.Series(seq_values, dtype="str"), errors="coerce").to_numpy(dtype=float)[seq_codes]
        order = np.lexsort((sequence, trip))
        stop, stop_ids = text_codes(raw_column(stop_times, "stop_id"))

        def seconds(name: str) -> np.ndarray:  # each distinct time parsed once
            codes, distinct = text_codes(raw_column(stop_times, name))
            parsed = gtfs_seconds(pd.Series(distinct, dtype="str")).fillna(-1).to_numpy(dtype=np.int32)
            return parsed[codes[order]]

        return cls(np.asarray(trip_ids, dtype=object), np.asarray(stop_ids, dtype=object),
                   trip[order].astype(np.int32), stop[order].astype(np.int32), seconds("arrival_time"),
                   seconds("departure_time"))


def _operator_signatures(operator_id: str, times: TripTimes, hub_of: pd.Series, min_stops: int) -> pd.DataFrame:
    keys = pd.Series(times.stop_ids, dtype="str")
    hubbed = keys.map(hub_of)
    keys = hubbed.where(hubbed.notna(), keys).astype("str")
    key_hash = pd.util.hash_array(keys.to_numpy(dtype=object), hash_key=_STOP_KEY_HASH)
    starts = np.flatnonzero(np.r_[True, times.trip[1:] != times.trip[:-1]])
    counts = np.diff(np.r_[starts, len(times.trip)])
    position = np.arange(len(times.trip)) - np.repeat(starts, counts)
    out = pd.DataFrame({"operator_id": operator_id, "trip_id": times.trip_ids[times.trip[starts]],
                        "stops": counts, "first_departure": times.departure[starts].astype(np.int64)})
    fields = (key_hash[times.stop], times.arrival.astype(np.int64).astype(np.uint64),
              times.departure.astype(np.int64).astype(np.uint64), position.astype(np.uint64))
    for name, seed in zip(("h1", "h2"), _SEEDS, strict=True):
        h = np.zeros(len(times.trip), dtype=np.uint64)
        for n, values in enumerate(fields):
            h ^= _mix(values, seed + np.uint64(n)) * np.uint64(2 * n + 1)
        out[name] = np.add.reduceat(h, starts)  # wraps modulo 2**64: fine for a hash
    return out[counts >= min_stops]


def _trip_signatures(feeds: Mapping[str, NormalisedFeed], hub_of: pd.Series, min_stops: int) -> pd.DataFrame:
    """operator_id, trip_id, stops, first_departure, h1, h2 for trips with at least `min_stops` rows.

    A trip's signature sums, over its stop times in sequence order, a hash of (stop key = its hub
    or its own id, arrival, departure, position): equal trips of two operators collide. Works on
    the integer arrays of `TripTimes`, one operator at a time."""
    parts = []
    for feed in feeds.values():
        times = TripTimes.of(feed.get("stop_times"))
        if len(times.trip):
            parts.append(_operator_signatures(feed.operator_id, times, hub_of, min_stops))
    if not parts:
        return pd.DataFrame(columns=["operator_id", "trip_id", "stops", "first_departure", "h1", "h2"])
    return pd.concat(parts, ignore_index=True)


def _clock(seconds: pd.Series) -> pd.Series:
    """HH:MM:SS, "(no time)" for a missing one (-1)."""
    return format_seconds(seconds.astype(float).where(seconds >= 0)).replace("", "(no time)")


def duplicate_trips(feeds: Mapping[str, NormalisedFeed], hub_of: pd.Series,
                    settings: PoolCheckSettings = PoolCheckSettings(), *,
                    operator_dates: OperatorDates | None = None) -> pd.DataFrame:
    """pool_duplicate_trip findings: one per pair of trips of two operators (module docstring)."""
    signatures = _trip_signatures(feeds, hub_of, max(settings.duplicate_trip_min_stops, 1))
    keys = ["h1", "h2", "stops"]
    spread = signatures.groupby(keys)["operator_id"].transform("nunique") if len(signatures) else pd.Series([])
    candidates = signatures[spread > 1]
    if not len(candidates):
        return notices_frame()
    operator_dates, involved = operator_dates or OperatorDates(), set(candidates["operator_id"])
    trip_parts, date_parts = [], []
    for feed in feeds.values():
        trips = feed.tables.get("trips")
        if trips is None or feed.operator_id not in involved:
            continue
        trip_parts.append(pd.DataFrame({"trip_id": column(trips, "trip_id"), "route_id": column(trips, "route_id"),
                                        "service_id": column(trips, "service_id")}))
        date_parts.append(operator_dates(feed))
    trips = pd.concat(trip_parts, ignore_index=True).drop_duplicates("trip_id")
    dates = pd.concat(date_parts, ignore_index=True)
    running = candidates.merge(trips, on="trip_id").merge(dates, on="service_id")
    running = running[["operator_id", "trip_id", "route_id", "date", *keys]]
    pairs = _operator_pairs(running, [*keys, "date"])
    if not len(pairs):
        return notices_frame()
    grouped = pairs.groupby(["operator_id_a", "operator_id_b", "trip_id_a", "trip_id_b", "route_id_a", "route_id_b"])
    found = grouped["date"].agg(["size", "min", "max"]).reset_index()
    found = found.merge(candidates[["trip_id", "stops", "first_departure"]].rename(columns={"trip_id": "trip_id_a"}),
                        on="trip_id_a")
    found = found.rename(columns={"operator_id_a": "operator_a", "operator_id_b": "operator_b", "size": "common_dates"})
    found["first_departure"] = _clock(found["first_departure"])
    found["first_common_date"], found["last_common_date"] = _day(found["min"]), _day(found["max"])
    found = found.sort_values(["operator_a", "operator_b", "trip_id_a", "trip_id_b"], ignore_index=True)
    message = ("Trip " + found["trip_id_a"] + " of " + found["operator_a"] + " (route " + found["route_id_a"]
               + ") and trip " + found["trip_id_b"] + " of " + found["operator_b"] + " (route " + found["route_id_b"]
               + ") serve the same " + found["stops"].astype(str) + " stops at the same times from "
               + found["first_departure"] + " on " + found["common_dates"].astype(str) + " common date(s) ("
               + found["first_common_date"] + " to " + found["last_common_date"]
               + "), so the pool would publish one journey twice.")
    context = _contexts(found, ["operator_a", "operator_b", "trip_id_a", "trip_id_b", "route_id_a", "route_id_b",
                                "stops", "first_departure", "common_dates", "first_common_date", "last_common_date"])
    return _findings(DUPLICATE_TRIP, message, context, file="trips.txt", field="trip_id")


# --- 3. unlinked nearby stops ---------------------------------------------------------------------

def unlinked_nearby_stops(stops: pd.DataFrame, match: MatchResult, hub_of: pd.Series,
                          settings: PoolCheckSettings = PoolCheckSettings()) -> pd.DataFrame:
    """pool_unlinked_nearby_stops findings: one per pair of close stops in no common hub."""
    kind = pd.to_numeric(column(stops, "location_type").replace("", "0"), errors="coerce").fillna(0)
    pool = stops[kind.to_numpy() == 0].reset_index(drop=True)
    i, j, distance = pairs_within(pool["stop_lat"].to_numpy(dtype=float), pool["stop_lon"].to_numpy(dtype=float),
                                  settings.near_stop_m, groups=pool["operator_id"].to_numpy(dtype=object))
    keep = distance < settings.near_stop_m
    i, j, distance = i[keep], j[keep], distance[keep]
    ids = pool["stop_id"].to_numpy(dtype=object)
    swap = ids[i] > ids[j]
    a, b = np.where(swap, j, i), np.where(swap, i, j)
    found = pd.DataFrame({"stop_id_a": ids[a], "stop_id_b": ids[b], "distance_m": np.round(distance, 1)})
    for name in ("operator_id", "stop_name"):
        values = pool[name].to_numpy(dtype=object)
        found[f"{name}_a"], found[f"{name}_b"] = values[a], values[b]
    for side in "ab":
        hubs = found[f"stop_id_{side}"].map(hub_of).astype(object)
        found[f"hub_{side}"] = hubs.where(hubs.notna(), None)
    linked = found["hub_a"].notna() & (found["hub_a"] == found["hub_b"])
    found = found[~linked]
    scored = match.candidates
    if len(scored):
        scored = scored[["stop_id_a", "stop_id_b", "score", "decision"]].drop_duplicates(["stop_id_a", "stop_id_b"])
        found = found.merge(scored, on=["stop_id_a", "stop_id_b"], how="left")
        found = found[found["decision"] != "denied"]
    else:
        found = found.assign(score=np.nan, decision=None)
    if not len(found):
        return notices_frame()
    found = found.rename(columns={"operator_id_a": "operator_a", "operator_id_b": "operator_b"})
    found = found.sort_values(["operator_a", "operator_b", "stop_id_a", "stop_id_b"], ignore_index=True)
    found["score"] = found["score"].round(2)
    in_a, in_b = found["hub_a"].notna(), found["hub_b"].notna()
    hub_a, hub_b = found["hub_a"].where(in_a, "").astype("str"), found["hub_b"].where(in_b, "").astype("str")
    hubs = np.select([in_a & in_b, in_a, in_b],
                     [" (they are in different hubs, " + hub_a + " and " + hub_b + ")",
                      " (only the first is in a hub, " + hub_a + ")", " (only the second is in a hub, " + hub_b + ")"],
                     default="")
    message = ("Stop " + found["stop_id_a"] + " '" + found["stop_name_a"] + "' of " + found["operator_a"] + " and stop "
               + found["stop_id_b"] + " '" + found["stop_name_b"] + "' of " + found["operator_b"] + " are "
               + found["distance_m"].round().astype(int).astype(str) + " m apart but not in one hub" + hubs
               + ": likely one place published twice; force or deny the pair in configs/stop_matches.yaml.")
    context = _contexts(found, ["operator_a", "operator_b", "stop_id_a", "stop_id_b", "stop_name_a", "stop_name_b",
                                "distance_m", "hub_a", "hub_b", "score", "decision"])
    return _findings(UNLINKED_NEARBY_STOPS, message, context, file="stops.txt", field="stop_id")


# --- 4. calendar gaps -----------------------------------------------------------------------------

def shared_hubs(match: MatchResult) -> pd.DataFrame:
    """operator_a < operator_b, hubs (count), hub_ids and station_names (sorted by hub id)."""
    hubs = match.hubs
    columns = ["operator_a", "operator_b", "hubs", "hub_ids", "station_names"]
    if not len(hubs):
        return pd.DataFrame(columns=columns)
    served = hubs[["hub_id", "station_name", "operators"]].explode("operators").rename(columns={"operators": "operator_id"})
    pairs = _operator_pairs(served[["hub_id", "operator_id"]], ["hub_id"])
    pairs = pairs.merge(hubs[["hub_id", "station_name"]], on="hub_id")
    pairs["order"] = pairs["hub_id"].str.extract(r"(\d+)$", expand=False).astype(float)
    pairs = pairs.sort_values(["operator_id_a", "operator_id_b", "order", "hub_id"])
    grouped = pairs.groupby(["operator_id_a", "operator_id_b"], sort=True)
    out = pd.DataFrame({"hubs": grouped.size(), "hub_ids": grouped["hub_id"].agg(list),
                        "station_names": grouped["station_name"].agg(list)}).reset_index()
    return out.rename(columns={"operator_id_a": "operator_a", "operator_id_b": "operator_b"})[columns]


def _weekly_pattern(days: np.ndarray) -> np.ndarray:
    """Which weekdays (0 = Monday) an operator serves in at least half of the weeks of its span."""
    if not len(days):
        return np.zeros(7, dtype=bool)
    weekday = (days + 3) % 7  # epoch day 0 was a Thursday
    weeks = max((days.max() - days.min() + 1) / 7, 1)
    return np.bincount(weekday, minlength=7) >= weeks / 2


def _gaps(running: np.ndarray, missing: np.ndarray, min_days: int) -> pd.DataFrame:
    """Periods (epoch days, inclusive) in which `missing` has no service day and `running` has:
    from the first to the last `running` day within each stretch without `missing` service (days
    when neither runs inside it belong to the period); at least `min_days` long. A weekday that
    `missing` does not serve in most weeks is its pattern, not a gap (a weekday-only service's
    weekends), while a day it usually serves (a holiday) is. Columns first, last, service_days
    (days `running` runs in it)."""
    columns = ["first", "last", "service_days"]
    if not len(running):
        return pd.DataFrame(columns=columns)
    low = min(running.min(), missing.min()) if len(missing) else running.min()
    high = max(running.max(), missing.max()) if len(missing) else running.max()
    days = np.arange(int(low), int(high) + 1)
    silent = ~np.isin(days, missing)
    runs = np.isin(days, running)
    stretch = np.cumsum(np.r_[0, silent[1:] != silent[:-1]])  # one label per stretch of equal `silent`
    usual = _weekly_pattern(missing)[(days + 3) % 7] if len(missing) else np.ones(len(days), dtype=bool)
    alone = np.flatnonzero(silent & runs & usual)
    if not len(alone):
        return pd.DataFrame(columns=columns)
    labels = stretch[alone]
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    ends = np.r_[starts[1:] - 1, len(alone) - 1]
    running_before = np.r_[0, np.cumsum(runs)]
    first, last = alone[starts], alone[ends]
    found = pd.DataFrame({"first": days[first], "last": days[last],
                          "service_days": running_before[last + 1] - running_before[first]})
    return found[found["last"] - found["first"] + 1 >= min_days]


def calendar_gaps(feeds: Mapping[str, NormalisedFeed], match: MatchResult,
                  settings: PoolCheckSettings = PoolCheckSettings(), *,
                  operator_dates: OperatorDates | None = None) -> pd.DataFrame:
    """pool_calendar_gap findings: one per gap period of a pair of operators sharing hubs."""
    corridors = shared_hubs(match)
    corridors = corridors[corridors["hubs"] >= max(settings.corridor_min_shared_hubs, 1)]
    by_operator = {feed.operator_id: feed for feed in feeds.values()}
    corridors = corridors[corridors["operator_a"].isin(by_operator) & corridors["operator_b"].isin(by_operator)]
    if not len(corridors):
        return notices_frame()
    epoch = np.datetime64("1970-01-01", "D")
    operator_dates = operator_dates or OperatorDates()
    days = {op: np.unique(operator_dates(by_operator[op])["date"].to_numpy().astype("datetime64[D]")
                          - epoch).astype(np.int64)
            for op in pd.unique(corridors[["operator_a", "operator_b"]].to_numpy().ravel())}
    parts = []
    for corridor in corridors.itertuples(index=False):  # one iteration per pair of operators and direction
        for running, missing in ((corridor.operator_a, corridor.operator_b), (corridor.operator_b, corridor.operator_a)):
            gaps = _gaps(days[running], days[missing], max(settings.calendar_gap_min_days, 1))
            parts.append(gaps.assign(operator_a=corridor.operator_a, operator_b=corridor.operator_b,
                                     operator_running=running, operator_missing=missing, shared_hubs=corridor.hubs,
                                     hub_ids=[corridor.hub_ids[:SAMPLE_SIZE]] * len(gaps),
                                     station_names=[corridor.station_names[:SAMPLE_SIZE]] * len(gaps)))
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not len(found):
        return notices_frame()
    bounds = pd.DataFrame({op: [d.min() if len(d) else np.nan, d.max() if len(d) else np.nan]
                           for op, d in days.items()}, index=["start", "end"]).T
    start = found["operator_missing"].map(bounds["start"])
    end = found["operator_missing"].map(bounds["end"])
    found["gap_kind"] = np.select([start.isna(), found["last"] < start, found["first"] > end],
                                  ["no_service", "before_start", "after_end"], default="interruption")
    found["days"] = found["last"] - found["first"] + 1
    def as_date(values: pd.Series) -> np.ndarray:
        return (epoch + values.to_numpy(dtype="int64").astype("timedelta64[D]")).astype(str)

    found["first_date"], found["last_date"] = as_date(found["first"]), as_date(found["last"])
    found["missing_start"] = pd.Series(as_date(start.fillna(0)), index=found.index).where(start.notna(), None)
    found["missing_end"] = pd.Series(as_date(end.fillna(0)), index=found.index).where(end.notna(), None)
    found = found.sort_values(["operator_a", "operator_b", "first"], ignore_index=True)
    period = np.where(found["days"] == 1, "on " + found["first_date"],
                      "from " + found["first_date"] + " to " + found["last_date"])
    why = np.select([found["gap_kind"] == "before_start", found["gap_kind"] == "after_end",
                     found["gap_kind"] == "no_service"],
                    ["; its service starts on " + found["missing_start"].fillna(""),
                     "; its service ends on " + found["missing_end"].fillna(""),
                     "; it has no service dates at all"], default="")
    names = found["station_names"].map(lambda names: ", ".join(names))
    more = np.where(found["shared_hubs"] > SAMPLE_SIZE, ", ...", "")
    days = np.where(found["days"] == 1, "1 day", found["days"].astype(str) + " days")
    runs = np.select([found["days"] == 1, found["service_days"] == found["days"]],
                     ["", " on every one of them"], default=" on " + found["service_days"].astype(str) + " of them")
    hubs = np.where(found["shared_hubs"] == 1, "their shared hub (",
                    "their " + found["shared_hubs"].astype(str) + " shared hubs (")
    message = (found["operator_missing"] + " has no service " + period + " (" + days + why + ") while "
               + found["operator_running"] + " runs" + runs + ", so connections at " + hubs + names + more
               + ") break in that period.")
    context = _contexts(found, ["operator_a", "operator_b", "operator_running", "operator_missing", "first_date",
                                "last_date", "days", "service_days", "gap_kind", "missing_start", "missing_end", "shared_hubs",
                                "hub_ids", "station_names"])
    return _findings(CALENDAR_GAP, message, context)


# --- all of them ----------------------------------------------------------------------------------

def pool_checks(feeds: Mapping[str, NormalisedFeed], match: MatchResult, stops: pd.DataFrame,
                settings: PoolCheckSettings = PoolCheckSettings()) -> pd.DataFrame:
    """Every pool-level finding (module docstring), in code order: id collisions, duplicate trips,
    unlinked nearby stops, calendar gaps. `stops`: the combined stops frame the match was made on
    (e.g. `pool_stops(feeds)`)."""
    hub_of = stop_hubs(match, stops)
    dates = OperatorDates()
    frames = [id_collisions(feeds), duplicate_trips(feeds, hub_of, settings, operator_dates=dates),
              unlinked_nearby_stops(stops, match, hub_of, settings),
              calendar_gaps(feeds, match, settings, operator_dates=dates)]
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return notices_frame()
    return notices_frame(pd.concat(frames, ignore_index=True))


__all__ = ["CALENDAR_GAP", "CODES", "DUPLICATE_TRIP", "ID_COLLISION", "UNLINKED_NEARBY_STOPS", "OperatorDates",
           "PoolCheckSettings", "TripTimes", "calendar_gaps", "duplicate_trips", "id_collisions", "pool_checks",
           "pool_stops", "shared_hubs", "stop_hubs", "unlinked_nearby_stops"]
