"""Where Régie reads its configuration and writes its data, from the environment.

Everything the pipeline writes lives under one data directory (`data/` in the project root,
`REGIE_DATA_DIR` to move it). Read at call time, never at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Paths:
    """The locations one run of the pool uses."""

    config_dir: Path
    data_dir: Path
    database_url: str
    archive_url: str | None = None  # an object store for the archive (fsspec URL); None: archive_dir

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def snapshot_dir(self) -> Path:
        return self.data_dir / "snapshots"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster"

    @property
    def demo_feeds_dir(self) -> Path:
        return self.data_dir / "demo" / "feeds"

    @property
    def region_file(self) -> Path:
        return self.config_dir / "region.yaml"

    @property
    def operators_file(self) -> Path:
        return self.config_dir / "operators.yaml"

    @property
    def quality_file(self) -> Path:
        return self.config_dir / "quality.yaml"

    @property
    def tiers_file(self) -> Path:
        return self.config_dir / "tiers.yaml"

    @property
    def fees_dir(self) -> Path:
        return self.data_dir / "fees"

    @property
    def integration_dir(self) -> Path:
        return self.data_dir / "integration"

    @property
    def journeys_dir(self) -> Path:
        return self.data_dir / "journeys"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def resolve_paths(env: Mapping[str, str] | None = None) -> Paths:
    """Read REGIE_CONFIG_DIR, REGIE_DATA_DIR, REGIE_DATABASE_URL and REGIE_ARCHIVE_URL (with defaults)."""
    variables = os.environ if env is None else env
    config_dir = Path(variables.get("REGIE_CONFIG_DIR") or PROJECT_ROOT / "configs").resolve()
    data_dir = Path(variables.get("REGIE_DATA_DIR") or PROJECT_ROOT / "data").resolve()
    database_url = variables.get("REGIE_DATABASE_URL") or sqlite_url(data_dir / "regie.db")
    return Paths(config_dir=config_dir, data_dir=data_dir, database_url=database_url,
                 archive_url=variables.get("REGIE_ARCHIVE_URL") or None)


def shared_feeds_dir(env: Mapping[str, str] | None = None) -> Path:
    """The real public test feeds: REGIE_TEST_FEEDS, else `shared/data/feeds` beside the project
    (or beside /work/main, where a clean clone elsewhere still finds the workplace's copy)."""
    variables = os.environ if env is None else env
    if variables.get("REGIE_TEST_FEEDS"):
        return Path(variables["REGIE_TEST_FEEDS"])
    candidates = [PROJECT_ROOT.parent / "shared" / "data" / "feeds", Path("/work/shared/data/feeds")]
    return next((path for path in candidates if path.is_dir()), candidates[0])
