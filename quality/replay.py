"""Rule-impact preview: the gate re-run over every archived version under other rules, before they go live.

For each operator's feed, every archived version is judged under the live rules and under the
alternative ones at the region's date: which findings appear or vanish (by code and severity,
with counts) and whose version in force would change. Nothing of the live state changes: no
validation is recorded, no report is written, the catalogue is only read. A version already
validated under the live rules at this date is read from the catalogue rather than validated again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from quality.config import QualityConfig
from quality.gate import Candidate, choose_accepted
from quality.gatekeeper import Gatekeeper
from quality.history import find_validation, findings_of
from regie.config.operators import Feed, Operator
from regie.store.catalogue import VersionRecord

FindingKey = tuple[str, str]  # (code, severity)


@dataclass(frozen=True)
class Judgement:
    """One version's verdict under one set of rules: blocked or not, its findings counted by code."""

    blocked: bool
    findings: dict[FindingKey, int]
    blocking: dict[FindingKey, int]
    feed_start: Any = None
    feed_end: Any = None


@dataclass
class VersionImpact:
    version_id: int
    content_hash: str
    live: Judgement
    alternative: Judgement

    @property
    def appeared(self) -> dict[FindingKey, int]:
        """Findings the alternative rules add (a code's extra count)."""
        return {key: count - self.live.findings.get(key, 0) for key, count in self.alternative.findings.items()
                if count > self.live.findings.get(key, 0)}

    @property
    def vanished(self) -> dict[FindingKey, int]:
        return {key: count - self.alternative.findings.get(key, 0) for key, count in self.live.findings.items()
                if count > self.alternative.findings.get(key, 0)}

    @property
    def verdict_changes(self) -> bool:
        return self.live.blocked != self.alternative.blocked


@dataclass
class FeedImpact:
    operator_id: str
    feed_id: str
    live_in_force: str | None = None  # content hash
    alternative_in_force: str | None = None
    versions: list[VersionImpact] = field(default_factory=list)

    @property
    def in_force_changes(self) -> bool:
        return self.live_in_force != self.alternative_in_force

    @property
    def changed(self) -> bool:
        return self.in_force_changes or any(v.appeared or v.vanished or v.verdict_changes for v in self.versions)

    def to_dict(self) -> dict[str, Any]:
        def counts(found: dict[FindingKey, int]) -> list[dict[str, Any]]:
            return [{"code": code, "severity": severity, "count": count}
                    for (code, severity), count in sorted(found.items())]

        return {
            "operator_id": self.operator_id, "feed_id": self.feed_id,
            "version_in_force": {"live": self.live_in_force, "alternative": self.alternative_in_force,
                                 "changes": self.in_force_changes},
            "versions": [{"content_hash": v.content_hash, "blocked": {"live": v.live.blocked,
                                                                      "alternative": v.alternative.blocked},
                          "appeared": counts(v.appeared), "vanished": counts(v.vanished)} for v in self.versions],
        }


def replay_rules(gatekeeper: Gatekeeper, operators: Iterable[Operator], alternative: QualityConfig) -> list[FeedImpact]:
    """The impact of `alternative` rules on every archived version of the operators' GTFS feeds."""
    impacts = []
    for operator in operators:
        for feed in operator.feeds:
            if feed.kind.is_static:
                impacts.append(_feed_impact(gatekeeper, operator, feed, alternative))
    return impacts


def _feed_impact(gatekeeper: Gatekeeper, operator: Operator, feed: Feed, alternative: QualityConfig) -> FeedImpact:
    impact = FeedImpact(operator.id, feed.id)
    live_candidates, alternative_candidates = [], []
    for version in gatekeeper.catalogue.versions(operator.id, feed.id):
        live = _live_judgement(gatekeeper, operator, feed, version)
        other = _judge(gatekeeper, operator, feed, version, alternative)
        impact.versions.append(VersionImpact(version.id, version.content_hash, live, other))
        live_candidates.append(_candidate(version, live))
        alternative_candidates.append(_candidate(version, other))
    as_of = gatekeeper.as_of
    live_in_force, other_in_force = choose_accepted(live_candidates, as_of), choose_accepted(alternative_candidates, as_of)
    impact.live_in_force = live_in_force.content_hash if live_in_force else None
    impact.alternative_in_force = other_in_force.content_hash if other_in_force else None
    return impact


def _candidate(version: VersionRecord, judgement: Judgement) -> Candidate:
    return Candidate(version.id, version.content_hash, version.first_seen_at, judgement.blocked,
                     judgement.feed_start, judgement.feed_end)


def _live_judgement(gatekeeper: Gatekeeper, operator: Operator, feed: Feed, version: VersionRecord) -> Judgement:
    record = find_validation(gatekeeper.catalogue, version.id, gatekeeper.as_of, gatekeeper.config_hash())
    if record is None:
        return _judge(gatekeeper, operator, feed, version, gatekeeper.config)
    rows = findings_of(gatekeeper.catalogue, record.id)
    return Judgement(
        blocked=record.blocked,
        findings={(row["code"], row["severity"]): row["count"] for row in rows},
        blocking={(row["code"], row["severity"]): row["blocking_count"] for row in rows if row["blocking_count"]},
        feed_start=record.feed_start, feed_end=record.feed_end,
    )


def _judge(gatekeeper: Gatekeeper, operator: Operator, feed: Feed, version: VersionRecord,
           config: QualityConfig) -> Judgement:
    outcome, _ = gatekeeper.validate_in_memory(operator, feed, version, config)
    groups = outcome.groups(samples=0)
    return Judgement(
        blocked=bool(outcome.blocked),
        findings={(g["code"], g["severity"]): g["count"] for g in groups},
        blocking={(g["code"], g["severity"]): g["blocking_count"] for g in groups if g["blocking_count"]},
        feed_start=outcome.feed_start, feed_end=outcome.feed_end,
    )
