"""Typed resources. Defaults come from the environment when a resource is used, never at import."""

from __future__ import annotations

import abc
import os
from pathlib import Path

from dagster import ConfigurableResource

from regie.archive import Archive
from regie.catalogue import Catalogue
from regie.config import Region, Registry, load_region, load_registry
from regie.config.region import CollectionSettings
from regie.fetch import FeedClient, HttpFeedClient, LocalFeedClient
from regie.settings import Paths, resolve_paths
from regie.snapshots import SnapshotStore


class PoolResource(ConfigurableResource):
    """The region's configuration and storage: configs, data directory, catalogue database.

    Each field left empty falls back to REGIE_CONFIG_DIR / REGIE_DATA_DIR / REGIE_DATABASE_URL /
    REGIE_AS_OF, then to the defaults (configs/, data/, SQLite at data/regie.db, today).
    """

    config_dir: str | None = None
    data_dir: str | None = None
    database_url: str | None = None
    as_of: str | None = None

    def paths(self) -> Paths:
        overrides = {
            "REGIE_CONFIG_DIR": self.config_dir,
            "REGIE_DATA_DIR": self.data_dir,
            "REGIE_DATABASE_URL": self.database_url,
        }
        return resolve_paths({**os.environ, **{k: v for k, v in overrides.items() if v}})

    def region(self) -> Region:
        return load_region(self.paths().region_file, as_of=self.as_of)

    def registry(self) -> Registry:
        return load_registry(self.paths().operators_file)

    def catalogue(self) -> Catalogue:
        return Catalogue.open(self.paths().database_url)

    def archive(self) -> Archive:
        return Archive(self.paths().archive_dir)

    def snapshots(self) -> SnapshotStore:
        return SnapshotStore(self.paths().snapshot_dir)


class FeedClientResource(ConfigurableResource, abc.ABC):
    """Where feeds come from: the real HTTP client, or a folder of saved feeds."""

    @abc.abstractmethod
    def client(self, settings: CollectionSettings) -> FeedClient: ...


class HttpFeedClientResource(FeedClientResource):
    """Fetches over HTTP(S) (and file:// URLs) with the region's timeouts and retries."""

    def client(self, settings: CollectionSettings) -> FeedClient:
        return HttpFeedClient(
            connect_timeout_s=settings.connect_timeout_s,
            read_timeout_s=settings.read_timeout_s,
            retries=settings.retries,
            backoff_s=settings.backoff_s,
            user_agent=settings.user_agent,
        )


class LocalFeedClientResource(FeedClientResource):
    """Reads every feed URL's path under `root`: offline runs and asset tests."""

    root: str

    def client(self, settings: CollectionSettings) -> FeedClient:
        return LocalFeedClient(Path(self.root))
