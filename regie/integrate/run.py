"""The integration stage over the pool: each operator's versions in force (the gate's verdicts,
through `quality.verdicts`) normalised into `<integration dir>/normalised/<operator>/`, then the
region integrated from those folders (see `regie.integrate.outputs` for the layout) and the
regional feeds put through the quality gate.

`source.json` beside each normalised feed records which versions it was made from, so the region
step knows its inputs without re-reading the archive; a folder whose operator left the registry is
ignored.
"""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quality.verdicts import BuiltFeedVerdict, gate_built_feed, versions_in_force, without_version_in_force
from regie.config.operators import Operator
from regie.config.region import Region
from regie.gtfs.feed_tables import parse_csv_bytes
from regie.integrate.integrator import (
    FEED_NAMES,
    Integration,
    OperatorFeeds,
    combined_version,
    integrate_normalised,
    normalise_all,
    prepare_for_region,
)
from regie.integrate.outputs import read_normalised, write_integration, write_normalised
from regie.integrate.stops.overrides import StopMatchOverrides, load_stop_matches
from regie.pool import Pool
from regie.store.paths import Paths

SOURCE_FILE = "source.json"


@dataclass
class NormalisedOperator:
    """What `normalise_for_pool` did for one operator: `status` is "normalised", "refused" (time
    zone policy), "no_accepted_version" or "no_gtfs"; `folder` is set when normalised."""

    operator_id: str
    status: str
    reason: str = ""
    folder: Path | None = None
    versions: tuple[str, ...] = ()
    feed_ids: tuple[str, ...] = ()
    row_counts: dict[str, int] | None = None
    notes: tuple[str, ...] = ()


def operator_feeds(pool: Pool, operator: Operator) -> OperatorFeeds:
    """The operator's versions in force (the gate's verdicts from the catalogue; nothing is
    validated here), as paths into the archive (read when normalised)."""
    found = versions_in_force(pool.gatekeeper, operator)
    return OperatorFeeds(operator, [v.path for v in found], [v.content_hash for v in found],
                         [v.feed_id for v in found])


def normalised_folder(paths: Paths, operator_id: str) -> Path:
    return paths.integration_dir / "normalised" / operator_id


def normalise_for_pool(pool: Pool, operator: Operator) -> NormalisedOperator:
    """Normalise the operator's versions in force into its folder. An operator without one (or
    refused) has its folder removed, so the region step never merges a stale feed."""
    folder = normalised_folder(pool.paths, operator.id)
    if not any(feed.kind.is_static for feed in operator.feeds):
        shutil.rmtree(folder, ignore_errors=True)
        return NormalisedOperator(operator.id, "no_gtfs", "publishes no GTFS feed")
    item = operator_feeds(pool, operator)
    normalised, refused = normalise_all([item], pool.region)
    if operator.id not in normalised:
        shutil.rmtree(folder, ignore_errors=True)
        missing = without_version_in_force(pool.gatekeeper, operator)  # why, when nothing is in force
        status = "no_accepted_version" if not item.feeds else "refused"
        reason = "; ".join(f"{feed}: {why}" for feed, why in missing.items()) if status == "no_accepted_version" \
            else ""
        reason = reason or refused.get(operator.id) or "no accepted GTFS version"
        return NormalisedOperator(operator.id, status, reason, versions=tuple(item.versions))
    feed = normalised[operator.id]
    write_normalised(feed, folder)
    source = {"operator_id": operator.id, "versions": list(item.versions), "feed_ids": list(item.feed_ids)}
    (folder / SOURCE_FILE).write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
    return NormalisedOperator(operator.id, "normalised", folder=folder, versions=tuple(item.versions),
                              feed_ids=tuple(item.feed_ids), row_counts={n: len(f) for n, f in feed.tables.items()},
                              notes=tuple(feed.notes))


def stop_match_overrides(paths: Paths, region: Region) -> StopMatchOverrides | None:
    path = paths.config_dir / region.integration.stop_matching.overrides_file
    return load_stop_matches(path) if path.exists() else None


def _source(folder: Path) -> dict[str, Any]:
    return json.loads((folder / SOURCE_FILE).read_text(encoding="utf-8"))


def region_integration(pool: Pool) -> tuple[Integration, dict[str, Path]]:
    """Integrate the registry's normalised operators and write every output; returns the
    integration and the written files."""
    paths, region, registry = pool.paths, pool.region, pool.registry
    normalised, versions = {}, {}
    for operator in registry.operators:
        folder = normalised_folder(paths, operator.id)
        if (folder / SOURCE_FILE).exists():
            normalised[operator.id] = prepare_for_region(read_normalised(operator.id, folder))  # one at a time
            versions[operator.id] = _source(folder)["versions"]
    integration = integrate_normalised(normalised, registry.operators, region,
                                       version=combined_version(region, versions),
                                       overrides=stop_match_overrides(paths, region), versions=versions,
                                       write_ahead=FEED_NAMES)
    return integration, write_integration(integration, paths.integration_dir)


__all__ = [
    "NormalisedOperator",
        "gate_regional_feed",
    "normalise_for_pool",
    "normalised_folder",
    "operator_feeds",
    "region_integration",
    "regional_status",
    "stop_match_overrides",
]


def regional_status(paths: Paths) -> dict[str, dict[str, Any] | None]:
    """The regional feeds as last written: path, feed_version, operators, row counts of the main
    tables and the quality gate's counts (None for a feed not built yet)."""
    status: dict[str, dict[str, Any] | None] = {}
    for name in FEED_NAMES:
        path = paths.integration_dir / name / "regional.zip"
        if not path.is_file():
            status[name] = None
            continue
        with zipfile.ZipFile(path) as archive:
            info, _ = parse_csv_bytes(archive.read("feed_info.txt"), "feed_info.txt")
            rows = {member.removesuffix(".txt"): max(archive.read(member).count(b"\n") - 1, 0)
                    for member in ("stops.txt", "trips.txt", "transfers.txt") if member in archive.namelist()}
        with (path.parent / "operators.csv").open(encoding="utf-8") as handle:
            operators = [row["operator_id"] for row in csv.DictReader(handle)  # open/operators.csv: only those in it
                         if row.get("in_internal", "True") == "True"]
        report = paths.reports_dir / "_region" / name / "report.json"
        counts = json.loads(report.read_text(encoding="utf-8"))["summary"]["counts"] if report.is_file() else None
        status[name] = {"path": str(path), "feed_version": str(info["feed_version"].iloc[0]) if "feed_version" in info
                        else None, "operators": operators, "rows": rows, "gate": counts,
                        "report": str(report.with_suffix(".html")) if report.is_file() else None}
    return status


def gate_regional_feed(pool: Pool, name: str, path: Path | None = None) -> BuiltFeedVerdict:
    """The quality gate's verdict on one regional feed (`name` of FEED_NAMES; `path`, else where
    the integration wrote it) at the region's `as_of`; its report under
    `<reports dir>/_region/<name>/` ("_": apart from operator ids)."""
    return gate_built_feed(pool.gatekeeper, path or pool.paths.integration_dir / name / "regional.zip", name=name,
                           title=f"{pool.region.name} — regional feed ({name})",
                           folder=pool.paths.reports_dir / "_region" / name)
