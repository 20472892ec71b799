"""Write and read the integration's files.

    <root>/normalised/<operator>/feed.zip            the normalised operator feed (+ non-standard files)
                                /reconciliation.csv  rows in / out / dropped with the reason, per table
                                /notes.txt           what normalisation changed or left out
    <root>/internal/regional.zip                     every operator (planner, authorities)
                   /hubs.csv, stop_matches.csv, stop_match_review.csv, transfers.csv,
                    reconciliation.csv, pool_checks.csv, operators.csv, operator_feed_info.csv
    <root>/open/regional.zip                         open operators only (publication)
               /hubs.csv, transfers.csv, operators.csv

Nothing of a restricted operator is written under `open/`. Every file is replaced atomically.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from regie.gtfs.atomic import write_atomic
from regie.gtfs.feed_tables import ROW, read_feed_tables
from regie.gtfs.spec import STANDARD_TABLES
from regie.gtfs.zip_writer import write_gtfs_zip
from regie.integrate.normalise import NormalisedFeed

_MATCH_COLUMNS = ["stop_id_a", "stop_id_b", "operator_a", "operator_b", "name_a", "name_b", "distance_m",
                  "distance_score", "name_score", "mode_score", "score", "decision", "reason"]


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV of a side table: lists space-joined, dicts as JSON, coordinates to 6 decimals and
    other floats to 3."""
    frame = frame.copy()
    for name in frame.columns:
        if pd.api.types.is_float_dtype(frame[name]):
            frame[name] = frame[name].round(6 if name.endswith(("_lat", "_lon")) else 3)
            continue
        if frame[name].map(lambda v: isinstance(v, list | tuple)).any():
            frame[name] = frame[name].map(lambda v: " ".join(map(str, v)) if isinstance(v, list | tuple) else v)
        elif frame[name].map(lambda v: isinstance(v, dict)).any():
            frame[name] = frame[name].map(lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True, default=str))
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    write_atomic(path, _csv_bytes(frame))
    return path


def write_normalised(feed: NormalisedFeed, folder: Path) -> dict[str, Path]:
    """The normalised operator feed as `feed.zip` (its non-standard files kept as members), its
    reconciliation table and notes."""
    members: dict[str, pd.DataFrame | bytes] = dict(feed.tables)
    for name, frame in feed.extra_files.items():
        members[f"{name}.txt"] = _csv_bytes(frame.drop(columns=[ROW], errors="ignore"))
    write_gtfs_zip(folder / "feed.zip", members)
    paths = {"feed": folder / "feed.zip",
             "reconciliation": write_csv(folder / "reconciliation.csv", feed.reconciliation)}
    write_atomic(folder / "notes.txt", ("\n".join(feed.notes) + "\n").encode("utf-8"))
    paths["notes"] = folder / "notes.txt"
    return paths


def read_normalised(operator_id: str, folder: Path) -> NormalisedFeed:
    """A normalised operator feed written by `write_normalised` (tables all strings, no `_row`)."""
    feed = read_feed_tables(folder / "feed.zip")
    tables = {name: frame.drop(columns=[ROW]) for name, frame in feed.tables.items() if name in STANDARD_TABLES}
    extra = {name: frame.drop(columns=[ROW]) for name, frame in feed.tables.items() if name not in STANDARD_TABLES}
    reconciliation = pd.read_csv(folder / "reconciliation.csv", dtype={"reason": "str"}, keep_default_na=False)
    notes_file = folder / "notes.txt"
    notes = notes_file.read_text(encoding="utf-8").splitlines() if notes_file.exists() else []
    return NormalisedFeed(operator_id=operator_id, tables=tables, reconciliation=reconciliation, extra_files=extra,
                          notes=notes)


def _matches_table(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[c for c in _MATCH_COLUMNS if c in frame.columns]]


def _reconciliation(integration, name: str) -> pd.DataFrame:
    feed = integration.feeds[name]
    per_operator = [f.reconciliation.assign(operator_id=op, stage="normalise")
                    for op, f in integration.normalised.items() if op in feed.operators]
    merged = feed.reconciliation.assign(stage=f"merge {name}")
    frame = pd.concat([*per_operator, merged], ignore_index=True)
    return frame[["stage", "operator_id", "table", "rows_in", "rows_out", "rows_dropped", "rows_added", "reason"]]


def write_integration(integration, root: Path) -> dict[str, Path]:
    """Every file of the layout in the module docstring; returns name -> path."""
    paths: dict[str, Path] = {}
    for operator_id, feed in integration.normalised.items():
        for key, path in write_normalised(feed, root / "normalised" / operator_id).items():
            paths[f"normalised/{operator_id}/{key}"] = path
    internal, open_ = root / "internal", root / "open"
    tables = {
        "hubs": integration.match.hubs,
        "stop_matches": _matches_table(integration.match.matches),
        "stop_match_review": _matches_table(integration.match.review),
        "transfers": integration.transfers,
        "reconciliation": _reconciliation(integration, "internal"),
        "pool_checks": integration.pool_findings,
        "operators": integration.operators,
        "operator_feed_info": integration.feeds["internal"].operator_feed_info,
    }
    for name, frame in tables.items():
        paths[f"internal/{name}"] = write_csv(internal / f"{name}.csv", frame)
    open_operators = integration.operators[integration.operators["in_open"]]
    open_tables = {"hubs": integration.open_match.hubs, "transfers": integration.open_transfers,
                   "operators": open_operators.drop(columns=["in_internal", "left_out"])}
    for name, frame in open_tables.items():
        paths[f"open/{name}"] = write_csv(open_ / f"{name}.csv", frame)
    for name, folder in (("internal", internal), ("open", open_)):
        feed = integration.feeds[name]
        write_gtfs_zip(folder / "regional.zip", feed.parts, deflated=feed.deflated)
        paths[f"{name}/regional"] = folder / "regional.zip"
    return paths


__all__ = ["read_normalised", "write_csv", "write_integration", "write_normalised"]
