"""What one server runs on: the graph folder it loads once, the portal it serves at `/`, the
map tiles of the planner page. Passed to each uvicorn worker as JSON in one environment variable."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from regie.config.region import PlannerSettings

SETTINGS_ENV = "REGIE_SERVE_SETTINGS"


class ServeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    graph_dir: Path = Field(description="graph files written by the journeys stage (data/journeys/internal)")
    site_dir: Path | None = Field(None, description="served at / when it exists (data/releases/latest/site)")
    title: str = Field("Régie journey planner", max_length=200)
    tile_url: str | None = Field(None, description="http(s) tile URL template of the page's map; none: no tiles")
    tile_attribution: str = Field("", max_length=500)
    max_results: int = Field(5, ge=1, le=50, description="journeys returned at most by one request")
    planner: PlannerSettings = Field(default_factory=PlannerSettings, description="the region's `planner:` section")

    @field_validator("tile_url")
    @classmethod
    def _http_template(cls, value: str | None) -> str | None:
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"tile_url must be an http(s) URL template, got {value!r}")
        return value or None

    def to_environment(self) -> dict[str, str]:
        return {SETTINGS_ENV: self.model_dump_json()}


def settings_from_environment(env: Mapping[str, str] | None = None) -> ServeSettings:
    variables = os.environ if env is None else env
    text = variables.get(SETTINGS_ENV)
    if not text:
        raise RuntimeError(f"{SETTINGS_ENV} is not set: start the server with `regie serve`")
    return ServeSettings.model_validate(json.loads(text))
