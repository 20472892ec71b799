"""The pool's status: each operator's feeds, latest version, last fetch and gate verdict."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from regie.catalogue import Catalogue
from regie.config import load_region, load_registry
from regie.settings import Paths


def _gate_rows(paths: Paths, catalogue: Catalogue, registry, region) -> dict[tuple[str, str], dict[str, Any]]:
    """Verdicts already in the catalogue (nothing is validated here), by (operator, feed)."""
    from quality.overview import overview_rows
    from quality.pool import Gatekeeper

    gatekeeper = Gatekeeper.for_region(paths, region, catalogue)
    return {(row["operator"], row["feed"]): row for row in overview_rows(registry, gatekeeper)}


def pool_status(paths: Paths, *, now: datetime) -> dict[str, Any]:
    region = load_region(paths.region_file)
    registry = load_registry(paths.operators_file)
    catalogue = Catalogue.open(paths.database_url)
    try:
        gates = _gate_rows(paths, catalogue, registry, region)
        operators = []
        for operator in registry.operators:
            feeds = []
            for feed in operator.feeds:
                status = catalogue.feed_status(operator.id, feed.id, feed.kind.value).to_dict(now)
                row = gates.get((operator.id, feed.id))
                status["gate"] = None if row is None or row["latest_version"] is None else {
                    "latest_version": row["latest_version"], "verdict": row["verdict"],
                    "latest_errors": row["errors"], "accepted_version": row["accepted_version"],
                    "serving_older": row["serving_older"], "score": row["score"], "expiry": row["expiry"],
                    "report": row["report"],
                }
                feeds.append(status)
            operators.append({"id": operator.id, "name": operator.name, "modes": list(operator.modes),
                              "openness": operator.openness, "feeds": feeds})
    finally:
        catalogue.dispose()
    from regie.merge.pool import regional_status

    return {
        "region": region.name,
        "as_of": region.as_of.isoformat(),
        "data_dir": str(paths.data_dir),
        "generated_at": now.isoformat(),
        "operators": operators,
        "regional_feeds": regional_status(paths),
    }
