"""Merge normalised operator feeds into one regional GTFS feed.

Each standard table is the concatenation of the operators' tables (ids are already namespaced, so
nothing joins by accident), kept as `TableParts` (the operators' frames under one header, never
copied into one frame: the zip writer streams them), then:
- stops: the interchange hubs applied: matched stops re-parented under the hub's station, new hub
  stations appended (`hub:<hash of the members>`), merged stations kept without children;
- transfers: the operators' own rows, all kept, plus generated walking transfers for the stop
  pairs the operators do not already describe;
- feed_info: one row naming the pool as publisher (the operators' rows are kept aside in
  `operator_feed_info`), its feed_version the run's version followed by the feed's name
  (`regional_feed_version`: `2026-12-06-1a2b3c4d5e6f-internal` and `...-open`), so the internal
  and open feeds of one run never carry the same version.
The reconciliation records, per operator and table, rows in and out and why rows were added or
replaced; non-standard files never reach a regional feed (they stay in the per-operator output).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from regie.gtfs.calendar import service_span
from regie.gtfs.columns import text_codes
from regie.gtfs.compact import expanded
from regie.gtfs.csv_text import TableParts, ordered_columns
from regie.gtfs.zip_writer import DeflatedMember
from regie.integrate.normalise import NormalisedFeed
from regie.integrate.normalise.ledger import RECONCILIATION_COLUMNS
from regie.integrate.stops.matching import MatchResult

GTFS_TRANSFER_COLUMNS = ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"]
MERGE_RECONCILIATION_COLUMNS = ["operator_id", *RECONCILIATION_COLUMNS]
POOL = "pool"  # the operator_id of rows the merge adds (hub stations, generated transfers, feed_info)


@dataclass(frozen=True)
class FeedInfo:
    """The regional feed's feed_info.txt row."""

    publisher_name: str
    publisher_url: str
    lang: str
    default_lang: str = ""
    version: str = ""
    contact_email: str = ""
    contact_url: str = ""


def materialised(table: pd.DataFrame | TableParts) -> pd.DataFrame:
    """One all-string frame (parts concatenated in the parts' column order)."""
    if isinstance(table, pd.DataFrame):
        return expanded(table)
    frames = [expanded(frame) for frame in table.frames]
    if len(frames) == 1:
        return frames[0].reindex(columns=table.columns, fill_value="")
    return pd.concat(frames, ignore_index=True).reindex(columns=table.columns).fillna("")


class MaterialisedTables(Mapping[str, pd.DataFrame]):
    """A read view of a regional feed's tables as all-string frames, each built when read (a
    large table then takes its full size: the zip writer reads the parts instead)."""

    def __init__(self, parts: Mapping[str, pd.DataFrame | TableParts]):
        self._parts = parts

    def __getitem__(self, name: str) -> pd.DataFrame:
        return materialised(self._parts[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)


@dataclass
class RegionalFeed:
    """name: "internal" or "open"; parts: GTFS name -> frame or `TableParts` (what the zip is
    written from); `tables`: the same as all-string frames; operators: who is in it;
    reconciliation: MERGE_RECONCILIATION_COLUMNS; operator_feed_info: the operators' own rows;
    deflated: zip members already being deflated (`write_gtfs_zip(..., deflated=)`)."""

    name: str
    parts: dict[str, pd.DataFrame | TableParts]
    operators: list[str]
    reconciliation: pd.DataFrame
    operator_feed_info: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    deflated: dict[str, Future[DeflatedMember]] = field(default_factory=dict)  # members being written ahead

    @property
    def tables(self) -> MaterialisedTables:
        return MaterialisedTables(self.parts)

    def row_counts(self) -> dict[str, int]:
        return {name: len(table) for name, table in self.parts.items()}


def _nonblank(values: pd.Series) -> np.ndarray:
    """True where the text is not empty or blank (tested on the distinct values)."""
    codes, distinct = text_codes(values)
    return np.asarray(distinct != "")[codes]


def _explicit_timepoints(stop_times: pd.DataFrame) -> pd.DataFrame:
    """An operator's stop_times without the timepoint column, in a merged table that has it:
    absent means exact times, written "1" where a time is given (an empty value would read as
    "timepoint missing")."""
    timed = np.zeros(len(stop_times), dtype=bool)
    for name in ("arrival_time", "departure_time"):
        if name in stop_times.columns:
            timed |= _nonblank(stop_times[name])
    timepoint = pd.Categorical.from_codes(timed.astype(np.int8), categories=pd.Index(["", "1"], dtype="str"))
    return stop_times.assign(timepoint=pd.Series(timepoint, index=stop_times.index))


def _coordinate(values: pd.Series) -> pd.Series:
    return values.map(lambda v: f"{float(v):.6f}").astype("str")


def hub_stops(stops: pd.DataFrame, match: MatchResult) -> pd.DataFrame:
    """stops.txt with the hubs applied: re-parented members, new hub stations appended."""
    out = stops
    if len(match.reparent):
        new_parent = match.reparent.drop_duplicates("stop_id").set_index("stop_id")["new_parent_station"]
        moved = out["stop_id"].isin(new_parent.index)
        if "parent_station" not in out.columns:
            out = out.assign(parent_station="")
        out = out.copy()
        out.loc[moved, "parent_station"] = out.loc[moved, "stop_id"].map(new_parent).astype("str")
    if len(match.new_stations):
        new = match.new_stations
        rows = pd.DataFrame({"stop_id": new["stop_id"].astype("str"), "stop_name": new["stop_name"].astype("str"),
                             "stop_lat": _coordinate(new["stop_lat"]), "stop_lon": _coordinate(new["stop_lon"]),
                             "location_type": "1"})
        out = pd.concat([out, rows], ignore_index=True).fillna("")
    return out


def merged_transfers(own: pd.DataFrame | None, generated: pd.DataFrame) -> pd.DataFrame:
    """The operators' transfers.txt rows, all kept, plus the generated rows (GTFS columns) for
    (from_stop_id, to_stop_id) pairs no operator row names."""
    new = generated[GTFS_TRANSFER_COLUMNS].astype("str").replace("<NA>", "")
    if own is None or not len(own):
        return new.reset_index(drop=True)
    named = pd.MultiIndex.from_frame(own[["from_stop_id", "to_stop_id"]].astype("str"))
    fresh = ~pd.MultiIndex.from_frame(new[["from_stop_id", "to_stop_id"]]).isin(named)
    return pd.concat([own, new[fresh]], ignore_index=True).fillna("")


def regional_feed_version(version: str, name: str) -> str:
    """The feed_version of regional feed `name` ("internal", "open") built in the run `version`."""
    return f"{version}-{name}" if version else name


def _feed_info_row(info: FeedInfo, calendars: tuple[str, str]) -> pd.DataFrame:
    start, end = calendars
    row = {"feed_publisher_name": info.publisher_name, "feed_publisher_url": info.publisher_url,
           "feed_lang": info.lang, "default_lang": info.default_lang, "feed_start_date": start,
           "feed_end_date": end, "feed_version": info.version, "feed_contact_email": info.contact_email,
           "feed_contact_url": info.contact_url}
    return pd.DataFrame([{k: v for k, v in row.items() if v or k in ("feed_publisher_name", "feed_publisher_url",
                                                                       "feed_lang")}], dtype="str")


@dataclass
class OperatorParts:
    """The part of a regional feed that depends on its operators' tables alone: every table as
    `TableParts` (but feed_info), the reconciliation rows so far, the operators' feed_info rows.
    `settled()`: the tables the merge leaves as they are (all but stops and transfers), which can
    be written out while stops are matched."""

    tables: dict[str, TableParts]
    records: list[tuple]
    operator_info: list[pd.DataFrame]

    def settled(self) -> dict[str, TableParts]:
        return {name: parts for name, parts in self.tables.items() if name not in ("stops", "transfers")}


def operator_parts(feeds: Mapping[str, NormalisedFeed]) -> OperatorParts:
    """The operators' tables of a regional feed (see `OperatorParts`)."""
    records = []
    operator_info = [feed.tables["feed_info"].assign(operator_id=op) for op, feed in feeds.items()
                     if "feed_info" in feed.tables]
    names = list(dict.fromkeys(t for feed in feeds.values() for t in feed.tables))
    tables: dict[str, TableParts] = {}
    for table in names:
        parts = [(op, feed.tables[table]) for op, feed in feeds.items() if table in feed.tables]
        if table == "feed_info":
            records += [(op, table, len(frame), 0, len(frame), 0, "replaced by the pool's feed_info")
                        for op, frame in parts]
            continue
        if not any(len(frame) for _, frame in parts):
            records += [(op, table, 0, 0, 0, 0, "empty table left out") for op, _ in parts]
            continue
        if table == "stop_times" and any("timepoint" in frame.columns for _, frame in parts):
            parts = [(op, frame if "timepoint" in frame.columns else _explicit_timepoints(frame))
                     for op, frame in parts]
        records += [(op, table, len(frame), len(frame), 0, 0, "") for op, frame in parts]
        columns = ordered_columns(table, list(dict.fromkeys(str(c) for _, frame in parts for c in frame.columns)))
        tables[table] = TableParts(columns, [frame for _, frame in parts])
    return OperatorParts(tables, records, operator_info)


def merge_feeds(name: str, feeds: Mapping[str, NormalisedFeed], match: MatchResult, generated_transfers: pd.DataFrame,
                info: FeedInfo, *, parts: OperatorParts | None = None) -> RegionalFeed:
    """One regional feed from `feeds` (operator id -> normalised feed); `match` and
    `generated_transfers` must concern exactly these operators' stops; `parts`: their
    `operator_parts` when already made."""
    parts = parts or operator_parts(feeds)
    records, operator_info = list(parts.records), parts.operator_info
    tables: dict[str, pd.DataFrame | TableParts] = dict(parts.tables)
    for small in ("stops", "transfers"):  # changed below: one frame
        if small in tables:
            tables[small] = materialised(tables[small])
    notes = []
    if "stops" in tables:
        before = len(tables["stops"])
        tables["stops"] = hub_stops(tables["stops"], match)
        added = len(tables["stops"]) - before
        if added:
            records.append((POOL, "stops", 0, added, 0, added, "hub stations created"))
        notes.append(f"{len(match.hubs)} interchange hubs; {len(match.reparent)} stops re-parented; "
                     f"{added} hub stations created")
    before = len(tables.get("transfers", ()))
    transfers = merged_transfers(tables.get("transfers"), generated_transfers)
    if len(transfers):
        tables["transfers"] = transfers
        if len(transfers) > before:
            records.append((POOL, "transfers", 0, len(transfers) - before, 0, len(transfers) - before,
                            "walking transfers generated"))
    first, last = service_span(MaterialisedTables(tables))  # reads like a feed: `.get(name)`
    span = (first.strftime("%Y%m%d"), last.strftime("%Y%m%d")) if first and last else ("", "")
    tables["feed_info"] = _feed_info_row(dataclasses.replace(info, version=regional_feed_version(info.version, name)),
                                         span)
    records.append((POOL, "feed_info", 0, 1, 0, 1, "the pool's feed_info"))
    reconciliation = pd.DataFrame.from_records(records, columns=MERGE_RECONCILIATION_COLUMNS)
    own_info = pd.concat(operator_info, ignore_index=True).fillna("") if operator_info else pd.DataFrame()
    return RegionalFeed(name=name, parts=tables, operators=list(feeds), reconciliation=reconciliation,
                        operator_feed_info=own_info, notes=notes)


__all__ = [
    "MERGE_RECONCILIATION_COLUMNS",
    "POOL",
    "FeedInfo",
    "MaterialisedTables",
    "OperatorParts",
    "RegionalFeed",
    "hub_stops",
    "materialised",
    "merge_feeds",
    "merged_transfers",
    "operator_parts",
]
