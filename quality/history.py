"""Every validation, its findings and the waivers applied, in the catalogue database."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select

from quality.gate import Candidate, WaiverUse
from quality.result import ValidationOutcome
from regie.store.catalogue import Catalogue, VersionRecord, schema
from regie.store.catalogue.repository import utc as _utc


@dataclass(frozen=True)
class ValidationRecord:
    id: int
    version_id: int
    operator_id: str
    feed_id: str
    content_hash: str
    validated_at: datetime
    validation_date: date
    config_hash: str
    readable: bool
    blocked: bool
    errors: int
    warnings: int
    infos: int
    waived: int
    score: float | None
    score_components: dict[str, Any] | None
    expectations: dict[str, Any] | None
    feed_start: date | None
    feed_end: date | None
    report_path: str | None

    @classmethod
    def from_row(cls, row: Any) -> ValidationRecord:
        data = dict(row._mapping)
        for key in ("engine", "engine_version", "duration_s"):
            data.pop(key, None)
        data["validated_at"] = _utc(data["validated_at"])
        data["readable"], data["blocked"] = bool(data["readable"]), bool(data["blocked"])
        return cls(**data)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def record_validation(
    catalogue: Catalogue,
    *,
    version: VersionRecord,
    outcome: ValidationOutcome,
    config_hash: str,
    validated_at: datetime,
    report_path: str | None,
    waiver_uses: list[WaiverUse],
) -> ValidationRecord:
    counts = outcome.counts_by_severity()
    score = outcome.score
    values = dict(
        version_id=version.id, operator_id=version.operator_id, feed_id=version.feed_id,
        content_hash=version.content_hash, validated_at=validated_at, validation_date=outcome.validation_date,
        config_hash=config_hash, engine=outcome.engine, engine_version=outcome.engine_version,
        readable=int(outcome.readable), blocked=int(outcome.blocked), errors=counts["ERROR"],
        warnings=counts["WARNING"], infos=counts["INFO"],
        waived=int(outcome.notices["waived"].sum()) if "waived" in outcome.notices else 0,
        score=None if score is None else float(score.total),
        score_components=None if score is None else _json_safe(score.components),
        expectations=_json_safe(outcome.expectations) or None,
        feed_start=outcome.feed_start, feed_end=outcome.feed_end, report_path=report_path,
        duration_s=outcome.duration_s,
    )
    with catalogue.engine.begin() as connection:
        inserted = connection.execute(insert(schema.validations).values(**values))
        validation_id = inserted.inserted_primary_key[0]  # type: ignore[index]  # typed Optional, always a row for one-row inserts
        groups = outcome.groups(samples=5)
        if groups:
            connection.execute(insert(schema.findings), [
                dict(validation_id=validation_id, code=g["code"], severity=g["severity"], source=g["source"],
                     count=g["count"], waived_count=g["waived_count"], blocking_count=g["blocking_count"],
                     files=g["files"], samples=_json_safe(g["samples"]))
                for g in groups
            ])
        if waiver_uses:
            connection.execute(insert(schema.applied_waivers), [
                dict(validation_id=validation_id, code=u.waiver.code, file=u.waiver.file, filter=dict(u.waiver.filter),
                     reason=u.waiver.reason, granted_by=u.waiver.granted_by, expires=u.waiver.expires,
                     active=int(u.active), matched=u.matched)
                for u in waiver_uses
            ])
        row = connection.execute(select(schema.validations).where(schema.validations.c.id == validation_id)).one()
    return ValidationRecord.from_row(row)


def find_validation(catalogue: Catalogue, version_id: int, validation_date: date, config_hash: str) -> ValidationRecord | None:
    """The latest validation of a version at this date under this configuration, if any."""
    table = schema.validations
    query = (
        select(table)
        .where(table.c.version_id == version_id, table.c.validation_date == validation_date, table.c.config_hash == config_hash)
        .order_by(table.c.id.desc())
        .limit(1)
    )
    with catalogue.engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else ValidationRecord.from_row(row)


def feed_validations(catalogue: Catalogue, operator_id: str, feed_id: str) -> list[ValidationRecord]:
    """Every validation of a feed's versions, oldest first."""
    table = schema.validations
    query = select(table).where(table.c.operator_id == operator_id, table.c.feed_id == feed_id).order_by(table.c.id)
    with catalogue.engine.connect() as connection:
        return [ValidationRecord.from_row(row) for row in connection.execute(query)]


def findings_of(catalogue: Catalogue, validation_id: int) -> list[dict[str, Any]]:
    table = schema.findings
    with catalogue.engine.connect() as connection:
        rows = connection.execute(select(table).where(table.c.validation_id == validation_id).order_by(table.c.id))
        return [dict(row._mapping) for row in rows]


def candidates(catalogue: Catalogue, operator_id: str, feed_id: str, validation_date: date, config_hash: str) -> list[Candidate]:
    """Each version of the feed with its verdict at this date and configuration (unvalidated ones left out)."""
    result = []
    for version in catalogue.versions(operator_id, feed_id):
        record = find_validation(catalogue, version.id, validation_date, config_hash)
        if record is None:
            continue
        result.append(Candidate(version.id, version.content_hash, version.first_seen_at, record.blocked,
                                record.feed_start, record.feed_end))
    return result
