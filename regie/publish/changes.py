"""What changed between two versions of a feed, by content: stops, routes and trips added, removed
or changed, and the days with service gained or lost; rendered as release notes (Markdown and
JSON) for the region and per operator.

Rows are paired in three passes, so that ids alone never make a change:
1. same content (whatever the ids): not a change, only "renumbered" when the id differs;
2. of the rest, the same id: changed (the fields that differ are listed);
3. of the rest, the same place or name (a stop at the same rounded coordinates, a route of the
   same agency, type and name, a trip of the same route and service days leaving at the same
   time): changed;
what is left is removed (old) or added (new).

Content: a stop is its name, code, coordinates rounded to 5 decimals (about 1 m), location type,
platform code and wheelchair boarding; a route its agency's name, names, type and colours; a trip
its route, its service days (the calendars expanded, `regie.gtfs.calendar`), headsign, direction
and its stops with their times in order. A trip refers to its route and stops through their
pairing, so a renamed stop changes the stop, not every trip that calls there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from regie.gtfs.calendar import epoch_date, epoch_days, service_calendars, service_matrix
from regie.gtfs.columns import column, gtfs_seconds, numeric
from regie.gtfs.feed_tables import TableLookup
from regie.gtfs.times import format_seconds

COORDINATE_DECIMALS = 5
MARKDOWN_ITEMS = 50  # items listed per kind in the Markdown notes (all in the JSON)
_SEP = "\x1f"


@dataclass
class EntityChanges:
    """Changes of one kind (stop, route, trip). Items: {"id", "label"}; a changed item also has
    "old_id" and "fields" ({name: [old, new]})."""

    kind: str
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    renumbered: int = 0  # of the unchanged: same content under another id

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed,
                "counts": {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed),
                           "unchanged": self.unchanged, "renumbered": self.renumbered}}


@dataclass
class FeedChanges:
    """`diff_feeds`' answer. `first` is True when there was no previous feed."""

    stops: EntityChanges
    routes: EntityChanges
    trips: EntityChanges
    days_gained: list[date]
    days_lost: list[date]
    first: bool = False

    @property
    def is_empty(self) -> bool:
        return (self.stops.is_empty and self.routes.is_empty and self.trips.is_empty
                and not self.days_gained and not self.days_lost)

    def to_dict(self) -> dict[str, Any]:
        return {"first_release": self.first, "stops": self.stops.to_dict(), "routes": self.routes.to_dict(),
                "trips": self.trips.to_dict(),
                "service_days": {"gained": [d.isoformat() for d in self.days_gained],
                                 "lost": [d.isoformat() for d in self.days_lost],
                                 "gained_ranges": [[a.isoformat(), b.isoformat()] for a, b in date_ranges(self.days_gained)],
                                 "lost_ranges": [[a.isoformat(), b.isoformat()] for a, b in date_ranges(self.days_lost)]}}


@dataclass
class _Pairing:
    same: pd.DataFrame  # id_old, id_new
    changed: pd.DataFrame  # id_old, id_new
    removed: list[str]
    added: list[str]

    def identity(self) -> dict[str, str]:
        """old id -> the new id it is paired with."""
        pairs = pd.concat([self.same, self.changed])
        return dict(zip(pairs["id_old"], pairs["id_new"], strict=True))


def diff_feeds(old: TableLookup | None, new: TableLookup) -> FeedChanges:
    """Changes from `old` to `new` (all-string GTFS tables, e.g. `read_feed_tables`; a dict of
    frames works too). `old` None: the first release, everything is added."""
    if old is None:
        return _first_release(new)
    previous: TableLookup = old
    window = _common_window(previous, new)
    old_stops, new_stops = _stops(previous), _stops(new)
    stop_pairs = _pair(old_stops, new_stops)
    old_routes, new_routes = _routes(previous), _routes(new)
    route_pairs = _pair(old_routes, new_routes)
    old_days, old_service = _service_days(previous, window)
    new_days, new_service = _service_days(new, window)
    old_trips = _trips(previous, old_service, stop_pairs.identity(), route_pairs.identity())
    new_trips = _trips(new, new_service, None, None)
    trip_pairs = _pair(old_trips, new_trips)
    first = window[0]
    return FeedChanges(
        stops=_changes("stop", stop_pairs, old_stops, new_stops),
        routes=_changes("route", route_pairs, old_routes, new_routes),
        trips=_changes("trip", trip_pairs, old_trips, new_trips),
        days_gained=[epoch_date(first + int(d)) for d in np.flatnonzero(new_days & ~old_days)],
        days_lost=[epoch_date(first + int(d)) for d in np.flatnonzero(old_days & ~new_days)],
        first=False)


def _first_release(new: TableLookup) -> FeedChanges:
    """`diff_feeds` with no previous feed: everything is added, so nothing is paired and the
    trips' contents (their timetables, the costly part of a large feed) are not needed."""
    window = _common_window({}, new)
    days, _ = _service_days(new, window)
    added = {kind: _labelled(sorted(set(frame["id"])), frame.set_index("id"))
             for kind, frame in (("stop", _stops(new)), ("route", _routes(new)),
                                 ("trip", _trips(new, {}, None, None, contents=False)))}
    return FeedChanges(stops=EntityChanges("stop", added=added["stop"]), routes=EntityChanges("route", added=added["route"]),
                       trips=EntityChanges("trip", added=added["trip"]),
                       days_gained=[epoch_date(window[0] + int(d)) for d in np.flatnonzero(days)], days_lost=[],
                       first=True)


# --- the content of stops, routes and trips -------------------------------------------------

def _frame(ids: pd.Series, labels: pd.Series, fields: dict[str, pd.Series], fallback: pd.Series) -> pd.DataFrame:
    """id, label, content (every field joined), fallback key and the fields, one row per id."""
    frame = pd.DataFrame({"id": ids.to_numpy(), "label": labels.to_numpy(),
                          "fallback": fallback.to_numpy(), **{k: v.to_numpy() for k, v in fields.items()}})
    content = pd.Series("", index=frame.index, dtype=str)
    for name in fields:
        content = content + _SEP + frame[name].astype(str)
    frame.insert(2, "content", content)
    return frame.drop_duplicates("id").reset_index(drop=True)


def _table(feed: TableLookup, name: str) -> pd.DataFrame:
    frame = feed.get(name)
    return frame if frame is not None else pd.DataFrame()


def _rounded(values: pd.Series) -> pd.Series:
    numbers = values.astype(float).round(COORDINATE_DECIMALS)
    text = pd.Series(np.char.mod(f"%.{COORDINATE_DECIMALS}f", numbers.to_numpy()), index=values.index, dtype=str)
    return text.where(numbers.notna(), "")


def _stops(feed: TableLookup) -> pd.DataFrame:
    stops = _table(feed, "stops")
    lat, lon = _rounded(numeric(stops, "stop_lat")), _rounded(numeric(stops, "stop_lon"))
    kind = column(stops, "location_type").replace("", "0")
    name = column(stops, "stop_name")
    fields = {"name": name, "code": column(stops, "stop_code"), "lat": lat, "lon": lon, "location_type": kind,
              "platform_code": column(stops, "platform_code"),
              "wheelchair_boarding": column(stops, "wheelchair_boarding").replace("", "0")}
    place = (lat + "," + lon + "," + kind).where((lat != "") & (lon != ""), "")
    return _frame(column(stops, "stop_id"), name, fields, place)


def _routes(feed: TableLookup) -> pd.DataFrame:
    routes, agency = _table(feed, "routes"), _table(feed, "agency")
    names = dict(zip(column(agency, "agency_id"), column(agency, "agency_name"), strict=True))
    agency_ids = column(routes, "agency_id")
    only = next(iter(names.values())) if len(names) == 1 else ""  # agency_id may be empty with one agency
    agency_name = agency_ids.map(lambda value: names.get(value, only))
    short, long = column(routes, "route_short_name"), column(routes, "route_long_name")
    kind = column(routes, "route_type")
    fields = {"agency": agency_name, "short_name": short, "long_name": long, "route_type": kind,
              "color": column(routes, "route_color").str.upper(),
              "text_color": column(routes, "route_text_color").str.upper()}
    label = (short + " " + long).str.strip()
    return _frame(column(routes, "route_id"), label, fields, agency_name + _SEP + kind + _SEP + short.where(short != "", long))


def _common_window(old: TableLookup, new: TableLookup) -> tuple[int, int]:
    """First and last epoch day of any calendar row or date of either feed."""
    days = []
    for feed in (old, new):
        days += [epoch_days(column(_table(feed, "calendar"), name)) for name in ("start_date", "end_date")]
        days.append(epoch_days(column(_table(feed, "calendar_dates"), "date")))
    values = np.concatenate(days) if days else np.array([])
    values = values[~np.isnan(values)]
    return (int(values.min()), int(values.max())) if len(values) else (0, -1)


def _service_days(feed: TableLookup, window: tuple[int, int]) -> tuple[np.ndarray, dict[str, str]]:
    """The days of the window with any trip, and each service's days as a short hash."""
    services = pd.Index(column(_table(feed, "trips"), "service_id").unique())
    matrix = service_matrix(service_calendars(feed, services), *window)
    hashes = {service: f"{int(row.sum())} days {hashlib.blake2b(np.packbits(row).tobytes(), digest_size=8).hexdigest()}"
              for service, row in zip(services, matrix, strict=True)}
    running = np.asarray(matrix.any(axis=0), dtype=bool) if len(services) else np.zeros(matrix.shape[1], dtype=bool)
    return running, hashes


def _trips(feed: TableLookup, service: dict[str, str], stop_identity: dict[str, str] | None,
           route_identity: dict[str, str] | None, *, contents: bool = True) -> pd.DataFrame:
    """Trips by content; stops and routes of an old feed are named by the new ids they are
    paired with (`*_identity`), unpaired ones as "old:<id>". `contents` False: ids and labels
    only (the stop patterns and timetables left empty)."""
    trips, times = _table(feed, "trips"), _table(feed, "stop_times")
    trip_ids = column(trips, "trip_id")
    route = _renamed(column(trips, "route_id"), route_identity)
    stop = _renamed(column(times, "stop_id"), stop_identity)
    calls = pd.DataFrame({"trip": column(times, "trip_id").to_numpy(), "stop": stop.to_numpy(),
                          "sequence": numeric(times, "stop_sequence").to_numpy(),
                          "arrival": gtfs_seconds(column(times, "arrival_time")).to_numpy(),
                          "departure": gtfs_seconds(column(times, "departure_time")).to_numpy()})
    trip_code, trip_names = pd.factorize(calls["trip"])  # then sorted as numbers: faster than by the ids' text
    order = np.lexsort((calls["sequence"].to_numpy(), trip_code))
    calls, trip_code = calls.iloc[order].reset_index(drop=True), trip_code[order]
    starts = np.flatnonzero(np.r_[True, np.diff(trip_code) != 0]) if len(trip_code) else np.zeros(0, dtype=np.int64)
    trip = np.asarray(trip_names, dtype=object)[trip_code[starts]] if len(starts) else np.zeros(0, dtype=object)
    if contents:
        timed = calls["stop"] + "@" + format_seconds(calls["arrival"]) + "/" + format_seconds(calls["departure"])
        stops_pattern = pd.Series(_sequence_hashes(calls["stop"], starts), index=trip, dtype=str)
        timed_pattern = pd.Series(_sequence_hashes(timed, starts), index=trip, dtype=str)
        stops, times = trip_ids.map(stops_pattern).fillna(""), trip_ids.map(timed_pattern).fillna("")
    else:
        stops = times = pd.Series("", index=trip_ids.index, dtype=str)
    first_departure = pd.Series(format_seconds(calls["departure"].iloc[starts]).to_numpy(), index=trip, dtype=str)
    fields = {"route": route, "service_days": column(trips, "service_id").map(lambda s: service.get(s, "")),
              "headsign": column(trips, "trip_headsign"), "direction": column(trips, "direction_id"),
              "stops": stops, "times": times}
    departure = trip_ids.map(first_departure).fillna("")
    label = (column(trips, "route_id") + " " + departure + " " + column(trips, "trip_headsign")).str.strip()
    fallback = fields["route"] + _SEP + fields["service_days"] + _SEP + departure
    return _frame(trip_ids, label, fields, fallback.where(departure != "", ""))


def _sequence_hashes(tokens: pd.Series, starts: np.ndarray) -> list[str]:
    """Per run of rows (a trip's calls, in order, starting at `starts`): "<n> stops <hash>", the
    hash depending on every token and its position."""
    if not len(starts):
        return []
    hashed = pd.util.hash_array(tokens.to_numpy(dtype=object), categorize=False)
    position = np.arange(len(tokens)) - np.repeat(starts, np.diff(np.r_[starts, len(tokens)]))
    mixed = _mix(hashed ^ _mix(position.astype(np.uint64) + np.uint64(1)))
    totals = np.add.reduceat(mixed, starts)
    counts = np.diff(np.r_[starts, len(tokens)])
    return [f"{count} stops {total:016x}" for count, total in zip(counts.tolist(), totals.tolist(), strict=True)]


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on uint64 values (wrapping arithmetic)."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def _renamed(ids: pd.Series, identity: dict[str, str] | None) -> pd.Series:
    """Old ids as the new ids they are paired with, "old:<id>" when unpaired (None: as they are)."""
    if identity is None:
        return ids
    paired = ids.map(pd.Series(identity, dtype=str))
    return paired.where(paired.notna(), "old:" + ids)


# --- pairing ----------------------------------------------------------------------------------

def _match(old: pd.DataFrame, new: pd.DataFrame, key: str) -> pd.DataFrame:
    """Pairs (id_old, id_new) of equal `key` values, the n-th of a value with the n-th."""
    old, new = old[old[key] != ""], new[new[key] != ""]
    left = pd.DataFrame({"k": old[key].to_numpy(), "n": old.groupby(key).cumcount().to_numpy(), "id_old": old["id"].to_numpy()})
    right = pd.DataFrame({"k": new[key].to_numpy(), "n": new.groupby(key).cumcount().to_numpy(), "id_new": new["id"].to_numpy()})
    return left.merge(right, on=["k", "n"])[["id_old", "id_new"]]


def _pair(old: pd.DataFrame, new: pd.DataFrame) -> _Pairing:
    same = _match(old, new, "content")
    old_rest = old[~old["id"].isin(same["id_old"])]
    new_rest = new[~new["id"].isin(same["id_new"])]
    by_id = old_rest[["id"]].merge(new_rest[["id"]], on="id")
    by_id = pd.DataFrame({"id_old": by_id["id"], "id_new": by_id["id"]})
    old_rest = old_rest[~old_rest["id"].isin(by_id["id_old"])]
    new_rest = new_rest[~new_rest["id"].isin(by_id["id_new"])]
    by_place = _match(old_rest, new_rest, "fallback")
    return _Pairing(same, pd.concat([by_id, by_place], ignore_index=True),
                    removed=sorted(set(old_rest["id"]) - set(by_place["id_old"])),
                    added=sorted(set(new_rest["id"]) - set(by_place["id_new"])))


def _changes(kind: str, pairing: _Pairing, old: pd.DataFrame, new: pd.DataFrame) -> EntityChanges:
    fields = [name for name in old.columns if name not in ("id", "label", "content", "fallback")] \
        if len(old.columns) else []
    old_by_id, new_by_id = old.set_index("id"), new.set_index("id")
    changed = []
    if len(pairing.changed):  # row by row through plain lists: a frame's .loc per pair costs tens of µs
        before_rows = old_by_id.loc[pairing.changed["id_old"], ["label", *fields]].to_dict("records")
        after_rows = new_by_id.loc[pairing.changed["id_new"], ["label", *fields]].to_dict("records")
        for id_old, id_new, before, after in zip(pairing.changed["id_old"], pairing.changed["id_new"], before_rows,
                                                 after_rows, strict=True):
            differ = {name: [_shown(name, before[name]), _shown(name, after[name])]
                      for name in fields if before[name] != after[name]}
            changed.append({"id": id_new, "old_id": id_old, "label": after["label"], "fields": differ})
    return EntityChanges(
        kind,
        added=_labelled(pairing.added, new_by_id),
        removed=_labelled(pairing.removed, old_by_id),
        changed=sorted(changed, key=lambda item: item["id"]),
        unchanged=len(pairing.same),
        renumbered=int((pairing.same["id_old"] != pairing.same["id_new"]).sum()))


def _labelled(ids: list[str], by_id: pd.DataFrame) -> list[dict[str, Any]]:
    """{"id", "label"} of each id, looked up once for all of them."""
    labels = by_id["label"].reindex(ids).tolist() if ids else []
    return [{"id": id_, "label": label} for id_, label in zip(ids, labels, strict=True)]


def _shown(name: str, value: str) -> str:
    """A field's value for people: stop patterns and timetables are summarised, not listed."""
    if name in ("stops", "times"):
        return value.split(" stops ")[0] + " stops" if value else ""
    if name == "service_days":
        return value.split(" days ")[0] + " days" if value else ""
    return value if not value.startswith("old:") else value.removeprefix("old:") + " (removed)"


def date_ranges(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) ranges."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and (day - ranges[-1][1]).days == 1:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


OPERATOR_KEYS = {"agency": "agency_id", "stops": "stop_id", "routes": "route_id", "trips": "trip_id",
                 "stop_times": "trip_id", "calendar": "service_id", "calendar_dates": "service_id"}


def operator_feed(feed: TableLookup, operator: str) -> dict[str, pd.DataFrame]:
    """The rows of one operator in a regional feed (ids namespaced `<operator>:<id>`)."""
    return operator_feeds(feed, [operator]).get(operator, {})


def operator_feeds(feed: TableLookup | None, operators: Collection[str]) -> dict[str, dict[str, pd.DataFrame]]:
    """`operator_feed` for each of `operators`, every table split in one pass (a region of many
    operators is read once, not once per operator)."""
    split: dict[str, dict[str, pd.DataFrame]] = {operator: {} for operator in operators}
    for name, key in OPERATOR_KEYS.items():
        frame = feed.get(name) if feed is not None else None
        if frame is None:
            continue
        namespace = column(frame, key).str.partition(":")
        codes, owners = pd.factorize(namespace[0].where(namespace[1] == ":", "").to_numpy())
        order = np.argsort(codes, kind="stable")  # one reordering (a merged feed is already grouped), then slices
        grouped, codes = frame.iloc[order], codes[order]
        position = {owner: index for index, owner in enumerate(owners)}
        for operator in split:
            code = position.get(operator, -1)
            start, end = np.searchsorted(codes, code, "left"), np.searchsorted(codes, code, "right")
            split[operator][name] = grouped.iloc[start:end]
    return split


def feed_operators(feed: TableLookup | None) -> set[str]:
    """The operators of a regional feed: the namespaces of its agency ids."""
    agency = feed.get("agency") if feed is not None else None
    if agency is None:
        return set()
    ids = column(agency, "agency_id")
    return set(ids[ids.str.contains(":", regex=False)].str.split(":", n=1).str[0])
