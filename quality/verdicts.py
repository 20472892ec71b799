"""What later stages may ask of the quality gate: the one interface of `quality` that the
integrator and the fees use.

- `versions_in_force(gatekeeper, operator)`: each of the operator's GTFS feeds' version in force
  at the region's `as_of`, from the verdicts already in the catalogue (nothing is validated);
- `without_version_in_force(gatekeeper, operator)`: why each GTFS feed without a version in force
  has none, in words ("expired: not in the regional feeds ...", blocked and why, no version yet);
- `gate_built_feed(gatekeeper, path, ...)`: the gate's verdict on a feed the pool built itself
  (the regional feeds), with its reports written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from quality.gatekeeper import Gatekeeper
from quality.report import regional_feed_publication, write_report_html, write_report_json
from quality.validate import ValidationRequest, validate_feed
from regie.config import Operator


@dataclass(frozen=True)
class VersionInForce:
    """One feed's version in force: its catalogue id, content hash and path in the archive."""

    feed_id: str
    version_id: int
    content_hash: str
    path: Path


def versions_in_force(gatekeeper: Gatekeeper, operator: Operator) -> list[VersionInForce]:
    """The version in force of each of the operator's GTFS feeds that has one, in registry order."""
    found = []
    for gate in gatekeeper.gate_operator(operator, validate=False):
        if gate.accepted is None:
            continue
        record = gatekeeper.catalogue.version_by_id(gate.accepted.version_id)
        found.append(VersionInForce(gate.feed_id, record.id, record.content_hash,
                                    gatekeeper.archive.local_path(record.archive_path)))
    return found


def without_version_in_force(gatekeeper: Gatekeeper, operator: Operator) -> dict[str, str]:
    """feed id -> why it has no version in force (only such feeds), in words."""
    reasons = {}
    for gate in gatekeeper.gate_operator(operator, validate=False):
        if gate.accepted is not None:
            continue
        if gate.state == "expired":
            reasons[gate.feed_id] = gate.expiry_text
        elif gate.state == "blocked":
            reasons[gate.feed_id] = f"blocked: every version has blocking findings (newest: {gate.blocked_text})"
        else:
            reasons[gate.feed_id] = "no version archived yet"
    return reasons


@dataclass
class BuiltFeedVerdict:
    """The gate's verdict on a feed the pool built, with its reports."""

    name: str
    counts: dict[str, int]
    blocked: bool
    report_html: Path
    report_json: Path


def gate_built_feed(gatekeeper: Gatekeeper, path: Path, *, name: str, title: str, folder: Path) -> BuiltFeedVerdict:
    """Validate the feed at `path` with the region's rules at `as_of` (as operator "region", feed
    `name`); `report.{json,html}` are written into `folder`."""
    request = ValidationRequest(validation_date=gatekeeper.as_of, config=gatekeeper.config,
                                bbox=gatekeeper.region.bbox, operator_id="region", feed_id=name)
    outcome, _ = validate_feed(path, request, engine=gatekeeper.engine)
    folder.mkdir(parents=True, exist_ok=True)
    write_report_json(outcome, folder / "report.json", extra={"as_of": gatekeeper.as_of.isoformat()})
    write_report_html(outcome, folder / "report.html", settings=gatekeeper.config.report, title=title,
                      static_dir=gatekeeper.reports_dir / "static", languages=gatekeeper.region.languages,
                      publication=regional_feed_publication(path, name), data_dir=gatekeeper.reports_dir.parent)
    return BuiltFeedVerdict(name, outcome.counts_by_severity(), outcome.blocked, folder / "report.html",
                            folder / "report.json")
