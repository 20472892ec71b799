"""The gate over an operator's archived versions: validate what is new, pick the version in force.

Versions are validated newest first, and only until the version in force is found, so a pool with
a long history does not re-validate every old version when the date or the rules change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from quality.config import QualityConfig
from quality.engine import CanonicalEngine
from quality.gate import Candidate, WaiverUse, choose_accepted, expiry_status
from quality.history import (
    ValidationRecord,
    candidates,
    feed_validations,
    find_validation,
    findings_of,
    record_validation,
)
from quality.report import Publication, write_report_html, write_report_json
from quality.result import ValidationOutcome
from quality.validate import ValidationRequest, validate_feed
from regie.config.operators import Feed, Operator
from regie.config.region import Region
from regie.store.archive import Archive
from regie.store.catalogue import Catalogue, VersionRecord
from regie.store.catalogue.repository import Outcome


@dataclass
class FeedGate:
    """One static feed's state at the region's date: its newest verdict and the version in force."""

    operator_id: str
    feed_id: str
    latest: ValidationRecord | None = None
    accepted: Candidate | None = None
    expiry: str = "none"
    expiry_text: str = ""
    validated_now: list[ValidationRecord] = field(default_factory=list)
    blocked_by: list[tuple[str, int]] = field(default_factory=list)  # the newest version's blocking codes, counts

    @property
    def state(self) -> str:
        """What a person must know, one word: "in_force" (the newest version), "older_in_force" (the
        newest is blocked, an older one serves), "expiring", "expired" (nothing in force: the service
        ended), "blocked" (nothing in force: every version is blocked) or "no_version"."""
        if self.latest is None:
            return "no_version"
        if self.accepted is None:
            return "expired" if self.expiry == "expired" else "blocked"
        if self.expiry == "expiring":
            return "expiring"
        return "older_in_force" if self.serving_older else "in_force"

    @property
    def alarm(self) -> bool:
        """Something to act on: nothing in force, or a blocked newest version, or expiry close."""
        return self.state != "in_force"

    @property
    def blocked_text(self) -> str:
        """Why the newest version is blocked, in words ("" when it is not)."""
        if not self.latest_blocked:
            return ""
        codes = ", ".join(f"{code} ×{count}" if count > 1 else code for code, count in self.blocked_by[:3])
        more = f" and {len(self.blocked_by) - 3} more" if len(self.blocked_by) > 3 else ""
        errors = self.latest.errors if self.latest else 0
        return f"{errors} error{'s' if errors != 1 else ''}: {codes}{more}" if codes else f"{errors} errors"

    @property
    def latest_blocked(self) -> bool:
        return self.latest is not None and self.latest.blocked

    @property
    def serving_older(self) -> bool:
        """A newer version was blocked and an older accepted one stays in force."""
        return self.latest is not None and self.accepted is not None and self.accepted.version_id != self.latest.version_id


@dataclass
class Gatekeeper:
    """Validates versions into the catalogue and writes their reports under `reports_dir`; built by
    `regie.pool.Pool.gatekeeper` from the region's configuration."""

    catalogue: Catalogue
    archive: Archive
    region: Region
    config: QualityConfig
    reports_dir: Path
    engine: CanonicalEngine
    _config_hash: str | None = field(default=None, init=False, repr=False)

    @property
    def as_of(self) -> date:
        return self.region.as_of

    def config_hash(self) -> str:
        """The rules' hash at the region's date (computed once: it asks the engine for its version)."""
        if self._config_hash is None:
            self._config_hash = ValidationRequest(self.as_of, self.config, self.region.bbox).config_hash(
                self.engine.version())
        return self._config_hash

    def unversioned_gate(self, operator: Operator, feed: Feed) -> FeedGate:
        """The gate of a feed without any archived version (what `gate_feed` finds, without asking)."""
        gate = FeedGate(operator.id, feed.id)
        gate.expiry, gate.expiry_text = expiry_status(None, self.as_of, self.config.expiry_warning_days)
        return gate

    def gate_operator(self, operator: Operator, *, validate: bool = True) -> list[FeedGate]:
        return [self.gate_feed(operator, feed, validate=validate) for feed in operator.feeds if feed.kind.is_static]

    def gate_feed(self, operator: Operator, feed: Feed, *, validate: bool = True) -> FeedGate:
        """Validate what is new (unless `validate` is False: then only read verdicts) and gate."""
        config_hash = self.config_hash()
        gate = FeedGate(operator.id, feed.id)
        versions = self.catalogue.versions(operator.id, feed.id)
        for version in reversed(versions):  # newest first
            record = find_validation(self.catalogue, version.id, self.as_of, config_hash)
            if record is None:
                if not validate:
                    continue
                record = self._validate(operator, feed, version, config_hash)
                gate.validated_now.append(record)
            if gate.latest is None:
                gate.latest = record
            if not record.blocked and (record.feed_start is None or record.feed_start <= self.as_of):
                break  # older versions cannot be in force
        found = candidates(self.catalogue, operator.id, feed.id, self.as_of, config_hash)
        gate.accepted = choose_accepted(found, self.as_of)
        newest = next((c for c in found if gate.latest and c.version_id == gate.latest.version_id), None)
        gate.expiry, gate.expiry_text = expiry_status(gate.accepted, self.as_of, self.config.expiry_warning_days, newest)
        if gate.latest is not None and gate.latest.blocked:
            gate.blocked_by = [(f["code"], f["blocking_count"]) for f in findings_of(self.catalogue, gate.latest.id)
                               if f["blocking_count"]]
        return gate

    def validate_in_memory(self, operator: Operator, feed: Feed, version: VersionRecord,
                           config: QualityConfig | None = None) -> tuple[ValidationOutcome, list[WaiverUse]]:
        """Validate an archived version under `config` (default: the region's) without recording
        anything or writing a report (the rule-impact preview, quality/replay.py)."""
        seen = version.first_seen_at.date()
        request = ValidationRequest(
            validation_date=self.as_of, config=config or self.config, bbox=self.region.bbox, operator_id=operator.id,
            feed_id=feed.id, content_hash=version.content_hash, last_changed=min(seen, self.as_of),
            fetch_outcomes=tuple(self._fetch_outcomes(operator.id, feed.id)),
        )
        return validate_feed(self.archive.local_path(version.archive_path), request, engine=self.engine)

    def _validate(self, operator: Operator, feed: Feed, version: VersionRecord, config_hash: str) -> ValidationRecord:
        outcome, uses = self.validate_in_memory(operator, feed, version)
        folder = self.reports_dir / operator.id / feed.id / version.content_hash
        folder.mkdir(parents=True, exist_ok=True)
        write_report_json(outcome, folder / "report.json",
                          extra={"operator_name": operator.name, "as_of": self.as_of.isoformat()})
        record = record_validation(
            self.catalogue, version=version, outcome=outcome, config_hash=config_hash,
            validated_at=datetime.now(UTC), report_path=(folder / "report.html").relative_to(self.reports_dir).as_posix(),
            waiver_uses=uses,
        )
        history = self.score_history(operator.id, feed.id)
        write_report_html(outcome, folder / "report.html", history=history, settings=self.config.report,
                          title=f"{operator.name} — {feed.id} — {version.content_hash[:12]}",
                          operator_name=operator.name, static_dir=self.reports_dir / "static",
                          languages=self.region.languages, publication=Publication(openness=operator.openness),
                          data_dir=self.reports_dir.parent)
        return record

    def _fetch_outcomes(self, operator_id: str, feed_id: str) -> list[bool]:
        window = timedelta(days=self.config.scoring.availability_window_days)
        fetches = self.catalogue.fetches(operator_id, feed_id, since=datetime.now(UTC) - window)
        return [fetch.outcome is not Outcome.FAILED for fetch in fetches if fetch.source != "submit"]

    def score_history(self, operator_id: str, feed_id: str) -> list[dict]:
        """The latest verdict of each version, oldest version first (for the report's chart)."""
        latest_by_version: dict[int, ValidationRecord] = {}
        for record in feed_validations(self.catalogue, operator_id, feed_id):
            latest_by_version[record.version_id] = record
        return [
            {"version": r.content_hash[:12], "validated_at": r.validated_at.isoformat(), "score": r.score,
             "errors": r.errors, "accepted": not r.blocked}
            for r in sorted(latest_by_version.values(), key=lambda r: r.version_id)
        ]
