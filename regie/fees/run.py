"""Every operator's fee for the region's fee year, from its accepted feeds (or bike-share snapshot).

The fee year is the calendar year of the region's `as_of`. An operator with several GTFS feeds is
measured on all of them (figures summed); its feed version is the hash of the accepted versions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from quality.verdicts import versions_in_force, without_version_in_force
from regie.config.operators import Operator
from regie.config.region import Region
from regie.fees.compute import compute_fee
from regie.fees.metrics.bike_share import bike_share_size
from regie.fees.metrics.network import network_metrics
from regie.fees.region import RegionSummary, region_fees
from regie.fees.results import FeeError, FeeResult, Kind
from regie.fees.statements import (
    write_fee_statement_html,
    write_fee_statement_json,
    write_region_summary_html,
    write_region_summary_json,
)
from regie.fees.tiers.loading import load_tiers, tiers_hash
from regie.fees.tiers.model import Tiers
from regie.gtfs.feed_tables import read_feed_tables
from regie.pool import Pool
from regie.store.catalogue import Catalogue
from regie.store.catalogue.repository import Outcome

SUMMED = ("trips", "service_hours", "vehicle_km", "stops_served", "routes", "active_service_days")


@dataclass
class OperatorMeasure:
    """What an operator's fee is computed from."""

    kind: Kind
    metrics: dict[str, Any] | None
    feed_version: str | None
    details: dict[str, Any] = field(default_factory=dict)


def _combined_version(hashes: list[str]) -> str | None:
    if not hashes:
        return None
    if len(hashes) == 1:
        return hashes[0]
    return hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()


def measure_timetables(paths: list[tuple[str, Path]], fee_year: int) -> OperatorMeasure:
    """Metrics of the accepted versions (content hash, archive path), summed over feeds."""
    per_feed = {content_hash: network_metrics(read_feed_tables(path), fee_year=fee_year) for content_hash, path in paths}
    if not per_feed:
        return OperatorMeasure("timetable", None, None, {"reason": "no accepted GTFS version"})
    dicts = [metrics.to_dict() for metrics in per_feed.values()]
    combined: dict[str, Any] = dict(dicts[0])
    for extra in dicts[1:]:
        for key in SUMMED:
            combined[key] = (combined.get(key) or 0) + (extra.get(key) or 0)
        combined["warnings"] = list(combined.get("warnings") or []) + list(extra.get("warnings") or [])
    if len(dicts) > 1:
        combined["peak_vehicles"] = None  # not additive across feeds without overlap analysis
        combined["per_feed"] = dicts
    return OperatorMeasure("timetable", combined, _combined_version(list(per_feed)))


def latest_snapshot(catalogue: Catalogue, snapshots_root: Path, operator: Operator) -> tuple[Path, datetime] | None:
    """The operator's newest GBFS snapshot still on disk, and when it was taken."""
    for feed in operator.feeds:
        if feed.kind.value != "gbfs":
            continue
        for fetch in reversed(catalogue.fetches(operator.id, feed.id, outcome=Outcome.SNAPSHOT)):
            if fetch.snapshot_path and (snapshots_root / fetch.snapshot_path).is_dir():
                return snapshots_root / fetch.snapshot_path, fetch.fetched_at
    return None


def measure_bike_share(catalogue: Catalogue, snapshots_root: Path, operator: Operator) -> OperatorMeasure:
    """The bike-share size from its newest snapshot; `snapshot_at` (ISO time, UTC) says when it was taken."""
    found = latest_snapshot(catalogue, snapshots_root, operator)
    if found is None:
        return OperatorMeasure("bike_share", None, None, {"snapshot": None, "reason": "no GBFS snapshot yet"})
    folder, taken = found
    size = {**bike_share_size(folder), "snapshot_at": taken.isoformat(timespec="seconds")}
    return OperatorMeasure("bike_share", size, folder.name, {"snapshot": str(folder), "snapshot_at": size["snapshot_at"]})


def is_bike_share(operator: Operator) -> bool:
    return not any(feed.kind.is_static for feed in operator.feeds) and any(feed.kind.value == "gbfs" for feed in operator.feeds)


@dataclass
class FeeRun:
    fee_year: int
    results: list[FeeResult]
    measures: dict[str, OperatorMeasure]


def compute_region_fees(
    operators: list[Operator],
    *,
    accepted: dict[str, list[tuple[str, Path]]],
    catalogue: Catalogue,
    snapshots_root: Path,
    tiers: Tiers,
    tiers_hash: str,
    fee_year: int,
    not_in_force: dict[str, str] | None = None,
) -> FeeRun:
    """Every operator's fee; `accepted` maps operator id to its accepted (content hash, path) list,
    `not_in_force` an operator without any version in force to why (its fee is then the named
    error `no_version_in_force`, never a zero)."""
    results: list[FeeResult] = []
    measures = {}
    for operator in operators:
        if is_bike_share(operator):
            measure = measure_bike_share(catalogue, snapshots_root, operator)
        else:
            measure = measure_timetables(accepted.get(operator.id, []), fee_year)
        measures[operator.id] = measure
        why = (not_in_force or {}).get(operator.id)
        if measure.metrics is None and why:
            results.append(FeeError(operator_id=operator.id, operator_name=operator.name, kind=measure.kind,
                                    fee_year=fee_year, code="no_version_in_force", tiers_hash=tiers_hash,
                                    message=f"operator {operator.id} has no version in force ({why}): no fee is "
                                            f"computed without service to measure"))
            continue
        results.append(compute_fee(operator=operator, metrics=measure.metrics, kind=measure.kind, tiers=tiers,
                                   fee_year=fee_year, feed_version=measure.feed_version, tiers_hash=tiers_hash))
    return FeeRun(fee_year, results, measures)


def accepted_paths(pool: Pool) -> dict[str, list[tuple[str, Path]]]:
    """(content hash, archive path) of each operator's versions in force, from the gate's verdicts."""
    return {operator.id: [(v.content_hash, v.path) for v in versions_in_force(pool.gatekeeper, operator)]
            for operator in pool.registry.operators}


def not_in_force(pool: Pool) -> dict[str, str]:
    """Operators with GTFS feeds but no version in force, and why ("caltrain: gtfs: expired: ...")."""
    reasons = {}
    for operator in pool.registry.operators:
        missing = without_version_in_force(pool.gatekeeper, operator)
        if missing and len(missing) == sum(1 for feed in operator.feeds if feed.kind.is_static):
            reasons[operator.id] = "; ".join(f"{feed}: {why}" for feed, why in missing.items())
    return reasons


def write_fee_outputs(run: FeeRun, summary: RegionSummary, out_dir: Path, *, region: Region | None = None,
                      data_dir: Path | None = None) -> list[Path]:
    """`fees/<year>/<operator>.{json,html}` for each computed fee, and `summary.{json,html}`; the
    pages in the region's languages (one file each, English when no region is given)."""
    languages = region.languages if region else None
    folder = out_dir / str(run.fee_year)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for result in run.results:
        if result.ok:
            write_fee_statement_json(result, folder / f"{result.operator_id}.json")
            write_fee_statement_html(result, folder / f"{result.operator_id}.html", languages=languages, data_dir=data_dir)
            written += [folder / f"{result.operator_id}.json", folder / f"{result.operator_id}.html"]
    links = {result.operator_id: f"{result.operator_id}.html" for result in run.results if result.ok}
    write_region_summary_json(summary, folder / "summary.json")
    write_region_summary_html(summary, folder / "summary.html", statement_links=links, languages=languages,
                              region_name=region.name if region else None, data_dir=data_dir)
    return written + [folder / "summary.json", folder / "summary.html"]


def region_fee_run(pool: Pool, tiers_file: Path | None = None) -> tuple[FeeRun, RegionSummary]:
    """Fees of every operator of the registry from the versions in force (nothing is validated
    here: verdicts come from the catalogue), and the region's summary. `tiers_file` defaults to
    the region's `tiers.yaml`."""
    tiers = load_tiers(tiers_file or pool.paths.tiers_file)
    run = compute_region_fees(
        pool.registry.operators, accepted=accepted_paths(pool), catalogue=pool.catalogue,
        snapshots_root=pool.paths.snapshot_dir, tiers=tiers, tiers_hash=tiers_hash(tiers),
        fee_year=pool.region.as_of.year, not_in_force=not_in_force(pool),
    )
    return run, region_fees(run.results, tiers)
