"""The region, `region.yaml`: name, time zone, bounding box, languages, `as_of`, collection settings,
and how the operators' feeds are integrated (stop matching, walking transfers, the publisher)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
)

from regie.config.loader import ConfigError, load_model
from regie.config.operators import BoundingBox
from regie.gtfs.modes import MODE_NAMES


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
    download_deadline_s: float = Field(300.0, gt=0, description="total time one download (all attempts) may take")
    allow_loopback: bool = Field(False, description="fetch from loopback addresses (a demo or test region)")
    allow_private: bool = Field(False, description="fetch from private addresses (RFC 1918, unique-local)")
    file_roots: list[Path] = Field(
        default_factory=list,
        description="folders file:// URLs of the registry may read (relative: to region.yaml's folder); none by default")

    @field_validator("file_roots", mode="after")
    @classmethod
    def _absolute_roots(cls, roots: list[Path], info: ValidationInfo) -> list[Path]:
        base = Path((info.context or {}).get("config_dir", "."))
        return [(root if root.is_absolute() else base / root).resolve() for root in roots]


class StopMatchSettings(BaseModel):
    """Cross-operator stop matching (see `regie.stops.matching`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_distance_m: float = Field(150.0, gt=0, le=2000, description="candidate pairs at most this far apart")
    min_score: float = Field(0.6, ge=0, le=1, description="a pair scoring at least this is matched")
    review_margin: float = Field(0.1, ge=0, le=1, description="pairs this close to min_score are listed for review")
    overrides_file: str = Field("stop_matches.yaml", description="force/deny pairs, next to region.yaml")


class TransferSettings(BaseModel):
    """Generated walking transfers: time = distance × detour_factor / walk_speed_mps + the minimum
    for the pair of modes (`min_transfer_s`, keys "from_mode/to_mode", either order), else
    `default_min_transfer_s`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_walk_m: float = Field(400.0, gt=0, le=3000)
    detour_factor: float = Field(1.3, ge=1, le=3)
    walk_speed_mps: float = Field(1.2, gt=0.3, le=3)
    default_min_transfer_s: int = Field(120, ge=0, le=3600)
    min_transfer_s: dict[str, int] = Field(default_factory=dict)

    @field_validator("min_transfer_s")
    @classmethod
    def _mode_pairs(cls, value: dict[str, int]) -> dict[str, int]:
        for key, seconds in value.items():
            modes = key.split("/")
            unknown = [m for m in modes if m not in MODE_NAMES]
            if len(modes) != 2 or unknown:
                raise ValueError(f"key {key!r}: write 'from_mode/to_mode' with modes among {', '.join(MODE_NAMES)}")
            if not 0 <= seconds <= 3600:
                raise ValueError(f"key {key!r}: {seconds} s is outside 0..3600")
        return value

    def mode_pair_minimums(self) -> dict[tuple[str, str], float]:
        return {tuple(key.split("/")): float(seconds) for key, seconds in self.min_transfer_s.items()}  # type: ignore[misc]


class PublisherSettings(BaseModel):
    """Who publishes the regional feeds (their feed_info.txt)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("", description="feed_publisher_name; default: the region's name")
    url: HttpUrl | None = Field(None, description="feed_publisher_url (required to publish)")
    contact_email: str = ""
    contact_url: HttpUrl | None = None


class PoolCheckThresholds(BaseModel):
    """Pool-level checks across operators (see `regie.integrate.checks`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    near_stop_m: float = Field(25.0, gt=0, le=500, description="unlinked stops of two operators closer than this")
    calendar_gap_min_days: int = Field(1, ge=1, description="shorter gaps are not reported")
    corridor_min_shared_hubs: int = Field(1, ge=1, description="operators sharing this many hubs serve one corridor")
    duplicate_trip_min_stops: int = Field(2, ge=2, description="shorter trips are never reported as duplicates")


class IntegrationSettings(BaseModel):
    """How accepted operator feeds become the regional feeds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone_policy: Literal["shift", "refuse"] = Field(
        "shift", description="a feed in a zone with other rules than the region's: shift its times, or refuse it")
    stop_matching: StopMatchSettings = Field(default_factory=StopMatchSettings)
    transfers: TransferSettings = Field(default_factory=TransferSettings)
    publisher: PublisherSettings = Field(default_factory=PublisherSettings)
    pool_checks: PoolCheckThresholds = Field(default_factory=PoolCheckThresholds)


class LicenceTerms(BaseModel):
    """What a named licence (`LicenseRef-...`) allows, declared by the region: a named licence is
    published only when its terms say that it may be redistributed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    url: HttpUrl | None = None
    redistribution: bool = Field(description="the data may be republished by the pool")
    attribution: bool = True
    share_alike: bool = False


class PublishSettings(BaseModel):
    """Open-data releases (`regie.publish`): how many are kept, where re-users download them, what
    is public beyond the feeds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keep_releases: int = Field(5, ge=1, le=1000, description="releases kept in releases/, the newest first")
    base_url: HttpUrl | None = Field(
        None, description="public address of the releases folder (download URLs in the catalogue); "
                          "default: the publisher's url + /releases/")
    include_fees: bool = Field(False, description="publish the fee statements too (not public by default)")
    tile_url: str | None = Field(None, description="map tiles of the portal's map; off when empty")
    tile_attribution: str = ""
    contact_email: str = Field("", description="the catalogue's contact point; default: the publisher's")
    licences: dict[str, LicenceTerms] = Field(
        default_factory=dict, description="terms of the named licences (LicenseRef-...) of open operators")

    @field_validator("licences")
    @classmethod
    def _named_licences(cls, value: dict[str, LicenceTerms]) -> dict[str, LicenceTerms]:
        unnamed = [key for key in value if not key.startswith("LicenseRef-")]
        if unnamed:
            raise ValueError(f"{', '.join(unnamed)}: only named licences (LicenseRef-...) need terms here")
        return value


class PlannerSettings(BaseModel):
    """The journey graph (`regie.journeys.build`) and the planner's defaults (`planner:`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: int = Field(3, ge=1, le=31, description="service days on the graph from as_of (+ the day before)")
    interpolation: Literal["shape_dist", "position"] = Field(
        "shape_dist", description="untimed stop_times: by shape_dist_traveled where given, else by position; "
                                  "'position': always by position between timepoints")
    walk_speed_mps: float = Field(1.2, gt=0.3, le=3)
    walk_detour: float = Field(1.3, ge=1, le=3, description="walked distance / straight-line distance")
    max_walk_m: float = Field(400.0, ge=0, le=5000, description="default longest walk of a journey leg")
    nearby_walk_m: float = Field(0.0, ge=0, le=2000,
                                 description="footpaths between any two stops this close (0: only transfers, stations)")
    in_station_s: int = Field(120, ge=0, le=1800, description="between stops of one station without pathways")
    pathway_default_s: int = Field(30, ge=0, le=1800, description="a pathway with neither traversal_time nor length")
    cycling_speed_mps: float = Field(4.0, gt=1, le=12)
    cycling_detour: float = Field(1.3, ge=1, le=3, description="ridden distance / straight-line distance")
    bike_unlock_s: int = Field(60, ge=0, le=1800, description="unlocking plus docking a shared bike")
    max_bike_ride_m: float = Field(5000.0, ge=0, le=50000, description="longest bike-share ride (straight line)")
    bike_access_m: float = Field(300.0, ge=0, le=2000, description="walk between a stop and a bike-share station")
    wheelchair_unknown: Literal["accessible", "not_accessible"] = Field(
        "not_accessible", description="how wheelchair-only journeys read an unknown (0 / empty) accessibility")
    max_transfers: int = Field(5, ge=0, le=15)
    min_transfer_slack_s: int = Field(60, ge=0, le=1800, description="added to every change of vehicle")
    isochrone_budget_s: int = Field(3600, gt=0, le=6 * 3600)
    benefit_sample_size: int = Field(20, ge=1, le=10000, description="stops sampled per operator")
    benefit_budget_s: int = Field(3600, gt=0, le=6 * 3600, description="travel time of the integration indicator")


class AlertSettings(BaseModel):
    """Where alerts go (failed runs, failed checks): a webhook whose URL is read from an environment
    variable, since such URLs usually carry a token; without it, alerts are only kept in the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    webhook_url_env: str = Field("REGIE_ALERT_WEBHOOK_URL", pattern=r"^[A-Z_][A-Z0-9_]*$",
                                 description="the environment variable that holds the webhook's URL")
    severities: list[Literal["ERROR", "WARN"]] = Field(["ERROR", "WARN"], description="which alerts are raised")
    retries: int = Field(3, ge=0, le=10)
    backoff_s: float = Field(2.0, ge=0)
    timeout_s: float = Field(10.0, gt=0)


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    timezone: str
    bbox: BoundingBox
    languages: list[str] = Field(min_length=1)
    as_of: date = Field(default_factory=date.today)
    collection: CollectionSettings = Field(default_factory=CollectionSettings)
    integration: IntegrationSettings = Field(default_factory=IntegrationSettings)
    planner: PlannerSettings = Field(default_factory=PlannerSettings)
    publish: PublishSettings = Field(default_factory=PublishSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)

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
    path: Path, *, as_of: date | str | None = None, env: Mapping[str, str] | None = None
) -> Region:
    """Parse `region.yaml`. `as_of` wins over REGIE_AS_OF, which wins over the file (default today)."""
    variables = os.environ if env is None else env
    override = as_of or variables.get("REGIE_AS_OF")
    context = {"config_dir": path.parent}
    if not override:
        return load_model(path, Region, context=context)
    origin = "the as_of argument" if as_of else "environment variable REGIE_AS_OF"
    try:
        day = Region._iso_date(override)
    except ValueError as exc:
        raise ConfigError(f"{origin}: {exc} (it overrides as_of in {path})") from None
    return load_model(path, Region, context=context, prepare=lambda data: {**data, "as_of": day})
