"""Typed resources, thin adapters over the library: the pool context and the feed client.
Defaults come from the environment when a run starts, never at import."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext

from regie.collect.fetch import FeedClientFactory, http_client, local_client
from regie.pool import Pool
from regie.store.paths import Paths, resolve_paths


class PoolResource(ConfigurableResource):
    """The region's pool (`regie.pool.Pool`), opened once per run: configuration, data directory,
    catalogue database. Assets receive the `Pool` itself (`pool: ResourceParam[Pool]`).

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

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[Pool]:
        """Vend the `Pool` (Dagster's documented "configuration vs runtime object" pattern), closed
        when the run or step ends."""
        with Pool.open(self.paths(), as_of=self.as_of) as pool:
            yield pool


class HttpFeedClientResource(ConfigurableResource):
    """Fetches over HTTP(S) (and file:// URLs) with the region's timeouts and retries."""

    def create_resource(self, context: InitResourceContext) -> FeedClientFactory:
        return http_client


class LocalFeedClientResource(ConfigurableResource):
    """Reads every feed URL's path under `root`: offline runs and asset tests."""

    root: str

    def create_resource(self, context: InitResourceContext) -> FeedClientFactory:
        return local_client(Path(self.root))
