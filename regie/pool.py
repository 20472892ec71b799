"""The pool context: one run's view of a region, its configuration read once and its stores
opened once.

    with Pool.open(resolve_paths()) as pool:
        pool.region, pool.registry, pool.catalogue, pool.archive, pool.snapshots, pool.gatekeeper

Each part is loaded on first use and kept for the life of the context (so a command that only
reads the registry never opens the database, and a broken registry fails where it is read);
leaving the context disposes of the catalogue's connections. The Dagster resource
(`pipelines.resources.PoolResource`), the CLI and `regie status` all use this object.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cached_property

from quality.config import QualityConfig, load_quality_config, waiver_warnings
from quality.engine import GtfsGuruEngine
from quality.gatekeeper import Gatekeeper
from regie.collect.snapshots import SnapshotStore
from regie.config import Operator, Region, Registry, load_region, load_registry
from regie.store.archive import Archive
from regie.store.catalogue import Catalogue
from regie.store.objects import ObjectStore
from regie.store.paths import Paths, resolve_paths

logger = logging.getLogger(__name__)


class Pool:
    """A region's configuration (region, registry, quality rules) and stores (catalogue, archive,
    snapshots) for one run, and the gatekeeper over them."""

    def __init__(self, paths: Paths, *, as_of: date | str | None = None) -> None:
        self.paths = paths
        self._as_of = as_of

    @classmethod
    @contextmanager
    def open(cls, paths: Paths | None = None, *, as_of: date | str | None = None) -> Iterator[Pool]:
        """The pool of `paths` (default: from the environment); `as_of` overrides REGIE_AS_OF and
        the region's `as_of`."""
        pool = cls(paths or resolve_paths(), as_of=as_of)
        try:
            yield pool
        finally:
            pool.close()

    def close(self) -> None:
        if "catalogue" in self.__dict__:
            self.catalogue.dispose()

    @cached_property
    def region(self) -> Region:
        return load_region(self.paths.region_file, as_of=self._as_of)

    @cached_property
    def registry(self) -> Registry:
        return load_registry(self.paths.operators_file)

    @cached_property
    def quality_config(self) -> QualityConfig:
        return load_quality_config(self.paths.quality_file)

    @cached_property
    def catalogue(self) -> Catalogue:
        return Catalogue.open(self.paths.database_url)

    @cached_property
    def archive(self) -> Archive:
        """The archive: a local folder, or an object store (REGIE_ARCHIVE_URL) cached in that folder."""
        remote = ObjectStore.from_environment(self.paths.archive_url) if self.paths.archive_url else None
        return Archive(self.paths.archive_dir, remote=remote)

    @cached_property
    def snapshots(self) -> SnapshotStore:
        return SnapshotStore(self.paths.snapshot_dir)

    @cached_property
    def gatekeeper(self) -> Gatekeeper:
        """Validates versions at the region's `as_of` and reads the gate's verdicts."""
        from quality.codes import is_known_code  # lazy: the rules' code lists load only when the gate is built

        config = self.quality_config
        for warning in waiver_warnings(config, self.paths.quality_file, set(self.registry.ids), is_known_code):
            logger.warning(warning)
        return Gatekeeper(catalogue=self.catalogue, archive=self.archive, region=self.region, config=config,
                          reports_dir=self.paths.reports_dir, engine=GtfsGuruEngine(config.engine))

    def operator(self, operator_id: str) -> Operator:
        return self.registry.operator(operator_id)
