"""The pool's status: each operator's feeds, latest version and last fetch (for `regie status`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from regie.catalogue import Catalogue
from regie.config import load_region, load_registry
from regie.settings import Paths


def pool_status(paths: Paths, *, now: datetime) -> dict[str, Any]:
    region = load_region(paths.region_file)
    registry = load_registry(paths.operators_file)
    catalogue = Catalogue.open(paths.database_url)
    try:
        operators = [
            {
                "id": operator.id,
                "name": operator.name,
                "modes": list(operator.modes),
                "openness": operator.openness,
                "feeds": [
                    catalogue.feed_status(operator.id, feed.id, feed.kind.value).to_dict(now)
                    for feed in operator.feeds
                ],
            }
            for operator in registry.operators
        ]
    finally:
        catalogue.dispose()
    return {
        "region": region.name,
        "as_of": region.as_of.isoformat(),
        "data_dir": str(paths.data_dir),
        "generated_at": now.isoformat(),
        "operators": operators,
    }
