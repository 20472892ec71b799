"""The region, `region.yaml`: name, time zone, bounding box, languages, `as_of`, collection settings."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from regie.config.errors import ConfigError, format_validation_error, read_yaml
from regie.config.operators import BoundingBox


class CollectionSettings(BaseModel):
    """How feeds are fetched and how long snapshots are kept."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connect_timeout_s: float = Field(10.0, gt=0)
    read_timeout_s: float = Field(60.0, gt=0)
    retries: int = Field(3, ge=0, le=10)
    backoff_s: float = Field(1.0, ge=0)
    max_bytes: int = Field(1 << 30, gt=0, description="size cap of one download")
    snapshot_retention_days: int = Field(7, ge=0)
    user_agent: str = "Regie/0.1 (+regional mobility data pool)"


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    timezone: str
    bbox: BoundingBox
    languages: list[str] = Field(min_length=1)
    as_of: date = Field(default_factory=date.today)
    collection: CollectionSettings = Field(default_factory=CollectionSettings)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/Paris)") from None
        return value

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError as exc:
                raise ValueError(f"as_of must be a date written YYYY-MM-DD, got {value!r} ({exc})") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_region(
    path: Path, *, as_of: date | str | None = None, env: dict[str, str] | None = None
) -> Region:
    """Parse `region.yaml`. `as_of` wins over REGIE_AS_OF, which wins over the file (default today)."""
    env = os.environ if env is None else env
    data = read_yaml(path)
    override = as_of or env.get("REGIE_AS_OF")
    if override:
        origin = "the as_of argument" if as_of else "environment variable REGIE_AS_OF"
        try:
            override = Region._iso_date(override)
        except ValueError as exc:
            raise ConfigError(f"{origin}: {exc} (it overrides as_of in {path})") from None
        data = {**data, "as_of": override}
    try:
        return Region.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(path, exc, Region, data) from None
