"""The operator registry, `operators.yaml`: who is in the pool and where their feeds are.

Header values and `${VAR}` parts of URLs are read from the environment while loading, so an
API key never lives in the file and a missing one is caught before any fetch.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from regie.config.loader import load_model
from regie.config.urls import MASK, literal_credentials, redact_url, secrets_in

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

Mode = Literal[
    "bus", "coach", "tram", "metro", "rail", "ferry", "funicular", "cable_car",
    "trolleybus", "monorail", "demand_responsive", "bike_share", "car_share", "scooter_share",
]


class FeedKind(StrEnum):
    GTFS = "gtfs"
    GBFS = "gbfs"
    GTFS_RT = "gtfs-rt"

    @property
    def is_static(self) -> bool:
        """Static feeds have versions; GBFS and GTFS-RT are snapshots."""
        return self is FeedKind.GTFS


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _env(info: ValidationInfo) -> dict[str, str]:
    context = info.context or {}
    return context.get("env", os.environ)


def _expand(value: str, env: dict[str, str], what: str) -> str:
    """Replace `${VAR}` (required) and `${VAR:-default}` references from the environment."""

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if env.get(name):
            return env[name]
        if default is not None:
            return default
        raise ValueError(f"{what} uses environment variable {name}, which is not defined")

    return _ENV_REF.sub(substitute, value)


def _mask(text: str, secrets: tuple[str, ...]) -> str:
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


class BoundingBox(_Model):
    """WGS84 box: min_lon, min_lat, max_lon, max_lat."""

    min_lon: float = Field(ge=-180, le=180)
    min_lat: float = Field(ge=-90, le=90)
    max_lon: float = Field(ge=-180, le=180)
    max_lat: float = Field(ge=-90, le=90)

    @model_validator(mode="after")
    def _ordered(self) -> BoundingBox:
        if self.min_lon >= self.max_lon or self.min_lat >= self.max_lat:
            raise ValueError("bounding box must have min_lon < max_lon and min_lat < max_lat")
        return self

    def contains(self, lon: float, lat: float) -> bool:
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


class RegionalFilter(_Model):
    """Keeps the region's part of a national feed; applied by normalisation."""

    bbox: BoundingBox | None = None
    agency_ids: list[str] | None = None
    route_ids: list[str] | None = None
    route_id_prefixes: list[str] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> RegionalFilter:
        if not any([self.bbox, self.agency_ids, self.route_ids, self.route_id_prefixes]):
            raise ValueError("filter needs at least one of: bbox, agency_ids, route_ids, route_id_prefixes")
        return self


class Feed(_Model):
    id: Slug
    kind: FeedKind
    url: str = Field(repr=False, description="http(s):// or file:// address; ${VAR} parts come from the environment")
    _url_template: str = PrivateAttr("")  # the url as written, ${VAR} unexpanded
    _url_secrets: tuple[str, ...] = PrivateAttr(())  # environment values in the url's user-info or query
    headers: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="HTTP headers; each value must be ${VAR}, read from the environment",
    )
    filter: RegionalFilter | None = None
    description: str | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _template(cls, data: object, handler: ModelWrapValidatorHandler[Feed], info: ValidationInfo) -> Feed:
        feed = handler(data)
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            template = data["url"].strip()
            feed._url_template, feed._url_secrets = template, secrets_in(template, _env(info))
        return feed

    @property
    def url_template(self) -> str:
        return self._url_template

    @property
    def url_secrets(self) -> tuple[str, ...]:
        return self._url_secrets

    def at_local_file(self, path: Path) -> Feed:
        """This feed read from a local file instead (a submission): no headers, no secrets."""
        copy = self.model_copy(update={"url": path.as_uri(), "headers": {}})
        copy._url_template, copy._url_secrets = path.as_uri(), ()
        return copy

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        credential = literal_credentials(value.strip())
        if credential is not None:
            raise ValueError(f"url holds {credential} in clear; secrets never live in the registry: "
                             "write it as an environment reference like ${API_KEY}")
        url = _expand(value.strip(), _env(info), "url")
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https") and parsed.netloc:
            return url
        if parsed.scheme == "file" and parsed.path:
            return url
        raise ValueError(f"url must be an http://, https:// or file:// address, got {url!r}")

    @field_validator("headers", mode="before")
    @classmethod
    def _headers(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, dict):
            return value
        resolved = {}
        for name, raw in value.items():
            reference = _ENV_REF.fullmatch(raw.strip()) if isinstance(raw, str) else None
            if reference is None or reference.group(2) is not None:
                raise ValueError(
                    f"header {name!r} must be an environment reference like '${{API_KEY}}'; "
                    "secrets never live in the registry"
                )
            resolved[name] = _expand(raw.strip(), _env(info), f"header {name!r}")
        return resolved

    @property
    def is_file(self) -> bool:
        return self.url.startswith("file:")

    @property
    def shown_url(self) -> str:
        """The url as it may be printed or logged: secrets from the environment hidden."""
        return redact_url(self.url, self.url_secrets)

    @property
    def recorded_url(self) -> str:
        """The url as the catalogue keeps it: the template, ${VAR} unexpanded."""
        return redact_url(self.url_template) if self.url_template else self.shown_url

    def redact(self, text: str) -> str:
        """`text` (a final URL, a message) with this feed's secrets hidden."""
        return redact_url(text, self.url_secrets) if "://" in text[:12] else _mask(text, self.url_secrets)

    def header_values(self) -> dict[str, str]:
        return {name: secret.get_secret_value() for name, secret in self.headers.items()}


class Ridership(_Model):
    """Declared annual boardings for one year."""

    boardings: int = Field(gt=0)
    year: int = Field(ge=1900, le=2200)
    estimated: bool = False
    source: str | None = None


RESERVED_OPERATOR_IDS = frozenset({"hub", "pool"})
"""Namespaces of the records the integrator creates itself (hub stations `hub:<n>`)."""


class Operator(_Model):
    id: Slug
    name: str = Field(min_length=1)
    modes: list[Mode] = Field(min_length=1)
    contact: str = Field(min_length=3)
    licence: str = Field(min_length=2, description="SPDX id (e.g. CC-BY-4.0, ODbL-1.0) or a named licence")
    openness: Literal["open", "restricted"]
    ridership: Ridership | None = None
    member_from: date
    member_until: date | None = None
    feeds: list[Feed] = Field(min_length=1)
    country: str | None = None
    website: str | None = None

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_OPERATOR_IDS:
            raise ValueError(f"operator id {value!r} is reserved (ids of the pool's own records: "
                             f"{', '.join(sorted(RESERVED_OPERATOR_IDS))}); choose another")
        return value

    @field_validator("feeds")
    @classmethod
    def _unique_feed_ids(cls, feeds: list[Feed]) -> list[Feed]:
        seen: set[str] = set()
        for feed in feeds:
            if feed.id in seen:
                raise ValueError(f"duplicate feed id {feed.id!r}; feed ids must be unique within an operator")
            seen.add(feed.id)
        return feeds

    @model_validator(mode="after")
    def _consistent(self) -> Operator:
        if self.member_until is not None and self.member_until <= self.member_from:
            raise ValueError(
                f"member_until ({self.member_until}) must be after member_from ({self.member_from})"
            )
        return self

    def feed(self, feed_id: str) -> Feed:
        for feed in self.feeds:
            if feed.id == feed_id:
                return feed
        raise KeyError(f"operator {self.id!r} has no feed {feed_id!r}")


class Registry(_Model):
    operators: list[Operator] = Field(min_length=1)

    @field_validator("operators")
    @classmethod
    def _unique_ids(cls, operators: list[Operator]) -> list[Operator]:
        seen: set[str] = set()
        for operator in operators:
            if operator.id in seen:
                raise ValueError(f"duplicate operator id {operator.id!r}; operator ids must be unique")
            seen.add(operator.id)
        return operators

    @property
    def ids(self) -> list[str]:
        return [operator.id for operator in self.operators]

    @functools.cached_property
    def _by_id(self) -> dict[str, Operator]:
        return {operator.id: operator for operator in self.operators}

    def operator(self, operator_id: str) -> Operator:
        found = self._by_id.get(operator_id)
        if found is not None:
            return found
        raise KeyError(f"no operator {operator_id!r} in the registry (known: {', '.join(self.ids)})")


def load_registry(path: Path, env: dict[str, str] | None = None) -> Registry:
    """Parse and validate `operators.yaml`; raise ConfigError naming file, operator and key."""
    return load_model(path, Registry, context={"env": os.environ if env is None else env})
