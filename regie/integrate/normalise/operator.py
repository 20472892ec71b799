"""Normalise one operator's accepted feed version(s) into one namespaced operator feed.

Steps, per GTFS feed of the operator (registry order): list junk members; clean text (trim,
times padded); fill an empty agency_id of a single-agency feed (with the feed id) and the routes'
and fares' empty agency_id; the feed's regional filter with consistent pruning; time zone
alignment to the region's. Then, across the operator's feeds: ids of a kind defined in more than
one of its feeds get the feed id as a prefix (`<feed>:<id>`); the feeds are concatenated; every
id and reference gets `<operator>:`; extended route types are mapped. Non-standard tables are
kept aside in `extra_files`, unchanged. All column-wise; no row loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pandas as pd

from regie.config.operators import Operator
from regie.gtfs.columns import column
from regie.gtfs.feed_tables import FeedTables
from regie.gtfs.spec import STANDARD_TABLES
from regie.integrate.normalise.ledger import Ledger
from regie.integrate.normalise.namespace import colliding_kinds, namespace_tables
from regie.integrate.normalise.regional_filter import apply_regional_filter
from regie.integrate.normalise.route_types import map_route_types
from regie.integrate.normalise.text import clean_table
from regie.integrate.normalise.timezones import align_timezone
from regie.integrate.normalise.urls import empty_unsafe_urls


@dataclass
class NormalisedFeed:
    """tables: GTFS name -> all-string frame (GTFS columns, no `_row`), ids `<operator>:<id>`;
    reconciliation: table, rows_in, rows_out, rows_dropped, rows_added, reason (one row per table and reason);
    extra_files: non-standard tables, unchanged (key `<name>`, or `<feed>/<name>` for a second feed
    with the same name); notes: what was changed or left out."""

    operator_id: str
    tables: dict[str, pd.DataFrame]
    reconciliation: pd.DataFrame
    extra_files: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def get(self, name: str) -> pd.DataFrame | None:
        """The table or None (the `FeedTables` reading interface, so rules and matchers accept it)."""
        return self.tables.get(name)

    def has(self, name: str) -> bool:
        frame = self.tables.get(name)
        return frame is not None and len(frame) > 0


def _junk(members: list[str]) -> list[str]:
    """Members not read as tables: not a root-level .txt, or macOS resource forks."""
    junk = []
    for member in members:
        path = PurePosixPath(member)
        if len(path.parts) != 1 or path.suffix != ".txt" or path.name.startswith("._"):
            junk.append(member)
    return junk


def _fill_agency_ids(tables: dict[str, pd.DataFrame], feed_id: str) -> list[str]:
    agency = tables.get("agency")
    if agency is None or not len(agency):
        return []
    ids = column(agency, "agency_id")
    notes = []
    if len(agency) == 1 and ids.iloc[0] == "":
        agency = agency.copy()
        agency["agency_id"] = feed_id
        tables["agency"] = agency
        notes.append(f"empty agency_id of the single agency set to {feed_id!r}")
    ids = column(tables["agency"], "agency_id")
    if len(ids) == 1:
        for name in ("routes", "fare_attributes"):
            frame = tables.get(name)
            if frame is not None and len(frame) and (column(frame, "agency_id") == "").any():
                frame = frame.copy()
                frame["agency_id"] = column(frame, "agency_id").where(column(frame, "agency_id") != "", ids.iloc[0])
                tables[name] = frame
    return notes


def normalise_operator(operator: Operator, feeds: list[FeedTables], *, region_timezone: str,
                       timezone_policy: str = "shift") -> NormalisedFeed:
    """One operator feed from its accepted versions (one per GTFS feed of `operator.feeds`, in
    registry order). `timezone_policy`: "shift" (times shifted into the region's zone when the
    feed's zone has other rules) or "refuse" (TimezoneError instead). Raises TimezoneError."""
    specs = [feed for feed in operator.feeds if feed.kind.is_static]
    if len(specs) != len(feeds):
        raise ValueError(f"operator {operator.id!r} has {len(specs)} GTFS feeds in the registry, "
                         f"but {len(feeds)} feed versions were given")
    ledger, notes = Ledger(), []
    cleaned: list[dict[str, pd.DataFrame]] = []
    extra_files: dict[str, pd.DataFrame] = {}
    for spec, feed in zip(specs, feeds, strict=True):
        where = f"feed {spec.id}: " if len(specs) > 1 else ""
        junk = _junk(feed.members)
        if junk:
            notes.append(f"{where}junk members dropped: {', '.join(junk)}")
        for problem in feed.problems:
            notes.append(f"{where}{problem.file}: {problem.kind}: {problem.detail}")
        converted = sorted(f"{file} ({encoding})" for file, encoding in feed.encodings.items() if encoding != "utf-8")
        if converted:
            notes.append(f"{where}converted to UTF-8 without BOM: {', '.join(converted)}")
        tables: dict[str, pd.DataFrame] = {}
        trimmed = padded = 0
        for name, frame in feed.tables.items():
            clean, t, p = clean_table(name, frame)
            trimmed, padded = trimmed + t, padded + p
            if name in STANDARD_TABLES:
                tables[name] = clean
            else:
                key = name if name not in extra_files else f"{spec.id}/{name}"
                extra_files[key] = clean
        if trimmed:
            notes.append(f"{where}whitespace trimmed in {trimmed} values")
        if padded:
            notes.append(f"{where}{padded} times written HH:MM:SS (hour padded with a zero)")
        ledger.start(tables)
        notes += [where + n for n in empty_unsafe_urls(tables, ledger, agency_url=operator.website)]
        notes += [where + n for n in _fill_agency_ids(tables, spec.id)]
        notes += [where + n for n in apply_regional_filter(tables, spec.filter, ledger)]
        notes += [where + n for n in align_timezone(tables, operator_id=operator.id,
                                                     region_timezone=region_timezone, policy=timezone_policy,
                                                     ledger=ledger)]
        cleaned.append(tables)
    if extra_files:
        notes.append(f"non-standard files kept aside: {', '.join(sorted(extra_files))}")
    collisions = colliding_kinds(cleaned) if len(cleaned) > 1 else set()
    if collisions:
        cleaned = [namespace_tables(tables, f"{spec.id}:", collisions) for spec, tables in zip(specs, cleaned)]
        notes.append(f"ids of kinds {', '.join(sorted(collisions))} collide between the operator's feeds: "
                     "prefixed with the feed id")
    merged: dict[str, pd.DataFrame] = {}
    for name in dict.fromkeys(name for tables in cleaned for name in tables):
        frames = [tables[name] for tables in cleaned if name in tables]
        merged[name] = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True).fillna("")
    merged = namespace_tables(merged, f"{operator.id}:")
    notes.append(f"ids namespaced as {operator.id}:<id>")
    if "routes" in merged:
        merged["routes"], route_notes = map_route_types(merged["routes"])
        notes += route_notes
    return NormalisedFeed(operator_id=operator.id, tables=merged, reconciliation=ledger.reconciliation(merged),
                          extra_files=extra_files, notes=notes)
