"""What a release is made from, found on disk under the data directory. Only open operators'
files are ever named here: a restricted operator's folders are never listed, opened or hashed
(the registry's `openness` decides before any path is built).

- the open regional feed `integration/open/regional.zip` and its `operators.csv`;
- each open operator's normalised feed `integration/normalised/<op>/feed.zip` (+ `source.json`:
  the versions it was made from, whose quality reports are published);
- each open bike-share operator's newest GBFS snapshot (its static files only: stations and
  system information, not the minute-by-minute status);
- the open journey graph `journeys/open/` when it exists;
- the fee statements of open operators, only when `publish.include_fees` says so.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from regie.config import Operator, Registry

GBFS_STATIC_FILES = ("system_information.json", "station_information.json", "vehicle_types.json",
                     "system_regions.json", "system_pricing_plans.json", "geofencing_zones.json")


@dataclass
class OperatorSources:
    operator: Operator
    feed_zip: Path | None = None  # normalised GTFS
    versions: list[str] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)  # report folders of the versions in force
    gbfs_files: list[Path] = field(default_factory=list)
    fee_files: list[Path] = field(default_factory=list)


@dataclass
class ReleaseSources:
    regional_zip: Path | None
    operators: list[OperatorSources]  # open operators with something to publish, registry order
    region_report: Path | None  # the quality gate's report folder of the open regional feed
    reports_static: Path | None
    journey_files: list[Path]

    def files(self) -> dict[str, Path]:
        """Every input file by a stable name (the release's no-op check hashes them)."""
        named: dict[str, Path] = {}
        if self.regional_zip:
            named["regional.zip"] = self.regional_zip
        for entry in self.operators:
            op = entry.operator.id
            if entry.feed_zip:
                named[f"operators/{op}/feed.zip"] = entry.feed_zip
            for folder in entry.reports:
                for path in sorted(folder.iterdir()):
                    named[f"reports/{op}/{folder.parent.name}/{folder.name}/{path.name}"] = path
            for path in entry.gbfs_files:
                named[f"gbfs/{op}/{path.name}"] = path
            for path in entry.fee_files:
                named[f"fees/{path.parent.name}/{path.name}"] = path
        if self.region_report:
            for path in sorted(self.region_report.iterdir()):
                named[f"reports/_region/open/{path.name}"] = path
        for path in self.journey_files:
            named[f"journeys/{path.name}"] = path
        return named


def open_operators(registry: Registry) -> list[Operator]:
    return [operator for operator in registry.operators if operator.openness == "open"]


def in_open_feed(integration_dir: Path) -> set[str]:
    """Operators the integrator put into the open regional feed (its operators.csv)."""
    path = integration_dir / "open" / "operators.csv"
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["operator_id"] for row in csv.DictReader(handle)
                if str(row.get("in_open", "True")).strip().lower() in ("true", "1", "yes")}


def find_sources(data_dir: Path, registry: Registry, *, include_fees: bool) -> ReleaseSources:
    integration = data_dir / "integration"
    regional = integration / "open" / "regional.zip"
    merged = in_open_feed(integration)
    operators = []
    for operator in open_operators(registry):
        entry = OperatorSources(operator)
        folder = integration / "normalised" / operator.id
        if operator.id in merged and (folder / "feed.zip").is_file():
            entry.feed_zip = folder / "feed.zip"
            entry.versions = _versions(folder / "source.json")
            entry.reports = _report_folders(data_dir / "reports" / operator.id, entry.versions)
        entry.gbfs_files = _gbfs_files(data_dir / "snapshots" / operator.id, operator)
        if include_fees:
            entry.fee_files = sorted(path for path in (data_dir / "fees").glob(f"*/{operator.id}.*")
                                     if path.suffix in (".html", ".json"))
        if entry.feed_zip or entry.gbfs_files:
            operators.append(entry)
    region_report = data_dir / "reports" / "_region" / "open"
    static = data_dir / "reports" / "static"
    journeys = data_dir / "journeys" / "open"
    return ReleaseSources(
        regional_zip=regional if regional.is_file() else None,
        operators=operators,
        region_report=region_report if (region_report / "report.html").is_file() else None,
        reports_static=static if static.is_dir() else None,
        journey_files=sorted(path for path in journeys.iterdir() if path.is_file()) if journeys.is_dir() else [],
    )


def _versions(source_json: Path) -> list[str]:
    if not source_json.is_file():
        return []
    return [str(version) for version in json.loads(source_json.read_text(encoding="utf-8")).get("versions", [])]


def _report_folders(operator_reports: Path, versions: list[str]) -> list[Path]:
    return [folder for version in versions for folder in sorted(operator_reports.glob(f"*/{version}"))
            if (folder / "report.html").is_file()]


def _gbfs_files(operator_snapshots: Path, operator: Operator) -> list[Path]:
    """The static files of the newest snapshot of each of the operator's GBFS feeds."""
    found: list[Path] = []
    for feed in operator.feeds:
        if str(feed.kind) != "gbfs":
            continue
        snapshots = sorted(path for path in (operator_snapshots / feed.id).glob("*") if path.is_dir())
        if snapshots:
            found.extend(snapshots[-1] / name for name in GBFS_STATIC_FILES if (snapshots[-1] / name).is_file())
    return found
