"""`configs/quality.yaml`: what blocks, waivers, rule thresholds, limits and the scoring frame."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from regie.config.loader import load_model
from regie.gtfs.modes import MODE_NAMES

Severity = Literal["ERROR", "WARNING", "INFO"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Blocking(_Model):
    """Which findings block a version: every ERROR (accept one with a waiver: a reason, who granted
    it and until when), plus the notices of other listed severities and codes, minus `except_codes`.

    An unwaived ERROR always blocks, so a report's verdict and its findings agree: "Accepted" never
    sits beside an unwaived ERROR. `feed_expired` is an ERROR like any other: an expired version is
    never in force."""

    severities: list[Severity] = ["ERROR"]
    also_codes: list[str] = Field(default_factory=list, description="codes that block whatever their severity")
    except_codes: list[str] = Field(
        default_factory=list,
        description="WARNING or INFO codes listed in `severities` or `also_codes` that do not block after all",
    )

    @field_validator("severities")
    @classmethod
    def _errors_block(cls, value: list[Severity]) -> list[Severity]:
        if "ERROR" not in value:
            raise ValueError("ERROR must be listed: an unwaived ERROR always blocks (accept one with a waiver)")
        return value

    @field_validator("except_codes")
    @classmethod
    def _expiry_blocks(cls, value: list[str]) -> list[str]:
        if "feed_expired" in value:
            raise ValueError("feed_expired cannot be excepted: an expired version is never in force")
        return value

    def blocks(self, code: str, severity: str) -> bool:
        if severity == "ERROR":
            return True
        if code in self.except_codes:
            return False
        return severity in self.severities or code in self.also_codes


class Waiver(_Model):
    """An authority's waiver: the finding is still reported, marked waived, and does not block."""

    code: str
    file: str | None = None
    filter: dict[str, str | list[str]] = Field(
        default_factory=dict, description="context or field values the finding must have, e.g. {shape_id: '123'}"
    )
    reason: str = Field(min_length=3)
    granted_by: str = Field(min_length=2)
    granted_on: date | None = None
    expires: date

    def active(self, as_of: date) -> bool:
        return as_of <= self.expires


class PrescreenLimits(_Model):
    max_members: int = Field(500, gt=0)
    max_uncompressed_bytes: int = Field(1 << 30, gt=0)
    max_compression_ratio: float = Field(100.0, gt=1)


class EngineLimits(_Model):
    memory_mib: int = Field(4096, gt=64)
    timeout_s: float = Field(600.0, gt=0)


def _default_max_speed_kmh() -> dict[str, float]:
    return {"tram": 100, "metro": 150, "rail": 300, "bus": 120, "ferry": 80,
            "cable_tram": 50, "aerial_lift": 50, "funicular": 50, "trolleybus": 120, "monorail": 150}


class RuleThresholds(_Model):
    parent_station_max_distance_m: float = Field(500.0, gt=0)
    min_days_valid_ahead: int = Field(30, ge=0)
    max_days_since_update: int = Field(180, ge=1)
    outside_region_error_share: float = Field(
        0.5, gt=0, le=1,
        description="from this share of a feed's located stops outside the region's box, one ERROR (below: a WARNING per stop)",
    )
    max_speed_kmh: dict[str, float] = Field(
        default_factory=_default_max_speed_kmh,
        description="above this between two consecutive stops is fast travel (by basic route type name)",
    )

    @field_validator("max_speed_kmh")
    @classmethod
    def _known_modes(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(MODE_NAMES))
        if unknown:
            raise ValueError(f"unknown mode(s) {', '.join(unknown)}: use {', '.join(MODE_NAMES)}")
        return value


class Indicator(_Model):
    weight: float = Field(gt=0)


def _default_compliance_penalties() -> dict[Severity, float]:
    return {"ERROR": 25.0, "WARNING": 2.0, "INFO": 0.0}


class ScoringFrame(_Model):
    """Objectives (weights summing to 1, none negative) made of criteria scored 0-100."""

    compliance: float = Field(0.4, ge=0, le=1)
    freshness: float = Field(0.25, ge=0, le=1)
    availability: float = Field(0.15, ge=0, le=1)
    completeness: float = Field(0.2, ge=0, le=1)
    compliance_penalty_per_thousand: dict[Severity, float] = Field(
        default_factory=_default_compliance_penalties,
        description="points lost per finding per thousand rows, by severity (none negative)",
    )

    @field_validator("compliance_penalty_per_thousand")
    @classmethod
    def _penalties_not_negative(cls, value: dict[Severity, float]) -> dict[Severity, float]:
        negative = [f"{severity}: {points:g}" for severity, points in value.items() if points < 0]
        if negative:
            raise ValueError(f"penalties cannot be negative (a finding would raise the score): {', '.join(negative)}")
        return value
    freshness_full_days_ahead: int = Field(90, gt=0, description="validity ahead worth full marks")
    freshness_stale_days: int = Field(365, gt=0, description="days since last change worth zero")
    availability_window_days: int = Field(30, gt=0)

    @model_validator(mode="after")
    def _weights(self) -> ScoringFrame:
        total = self.compliance + self.freshness + self.availability + self.completeness
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"objective weights must sum to 1, got {total:g}")
        return self


class ReportSettings(_Model):
    tile_url: str | None = Field(
        None, description="map tiles, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; off when empty"
    )
    tile_attribution: str = ""
    samples_per_notice: int = Field(20, gt=0, le=1000)


class QualityConfig(_Model):
    blocking: Blocking = Field(default_factory=Blocking)
    waivers: dict[str, list[Waiver]] = Field(default_factory=dict, description="per operator id")
    thresholds: RuleThresholds = Field(default_factory=RuleThresholds)
    prescreen: PrescreenLimits = Field(default_factory=PrescreenLimits)
    engine: EngineLimits = Field(default_factory=EngineLimits)
    scoring: ScoringFrame = Field(default_factory=ScoringFrame)
    report: ReportSettings = Field(default_factory=ReportSettings)
    expiry_warning_days: int = Field(14, ge=0)

    def waivers_for(self, operator_id: str) -> list[Waiver]:
        return self.waivers.get(operator_id, [])


def waiver_warnings(config: QualityConfig, path: Path, operator_ids: Collection[str],
                    is_known_code: Callable[[str], bool]) -> list[str]:
    """Waivers that can never apply: for an operator not in the registry, or a code no check emits."""
    warnings = []
    for operator_id, waivers in config.waivers.items():
        if operator_id not in operator_ids:
            warnings.append(f"{path}: key 'waivers.{operator_id}': no operator {operator_id!r} in the registry; "
                            "its waivers are ignored")
            continue
        for index, waiver in enumerate(waivers):
            if not is_known_code(waiver.code):
                warnings.append(f"{path}: key 'waivers.{operator_id}[{index}].code': no check reports "
                                f"{waiver.code!r}; this waiver never applies")
    return warnings


def load_quality_config(path: Path) -> QualityConfig:
    """Parse `quality.yaml`; a missing file means the defaults (every ERROR blocks)."""
    if not path.exists():
        return QualityConfig()
    return load_model(path, QualityConfig)
