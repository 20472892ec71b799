"""Checks that the archive still holds what the catalogue recorded."""

from __future__ import annotations

from regie.config.operators import Operator
from regie.store.archive import Archive, sha256_file
from regie.store.catalogue import Catalogue


def verify_latest_versions(catalogue: Catalogue, archive: Archive, operator: Operator) -> list[str]:
    """Problems with the latest archived version of each static feed (missing file, other bytes)."""
    problems = []
    for feed in operator.feeds:
        if not feed.kind.is_static:
            continue
        version = catalogue.latest_version(operator.id, feed.id)
        if version is None:
            continue
        path = archive.local_path(version.archive_path)
        if not path.is_file():
            problems.append(f"feed '{feed.id}': archived file missing: {version.archive_path}")
        elif sha256_file(path) != version.raw_sha256:
            problems.append(f"feed '{feed.id}': {version.archive_path} no longer matches its recorded SHA-256")
    return problems
