"""Typed configuration: the region (`region.yaml`) and the operator registry (`operators.yaml`).

The names below load their module on first use (PEP 562), so that `from regie.config import
ConfigError` or an import of `regie.config.loader` does not load the registry's and the region's
models: `regie validate` starts its engine sooner."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regie.config.loader import ConfigError
    from regie.config.operators import Feed, FeedKind, Operator, Registry, load_registry
    from regie.config.region import Region, load_region

_HOMES = {
    "ConfigError": "regie.config.loader",
    "Feed": "regie.config.operators",
    "FeedKind": "regie.config.operators",
    "Operator": "regie.config.operators",
    "Registry": "regie.config.operators",
    "load_registry": "regie.config.operators",
    "Region": "regie.config.region",
    "load_region": "regie.config.region",
}

__all__ = ["ConfigError", "Feed", "FeedKind", "Operator", "Registry", "Region", "load_region", "load_registry"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'regie.config' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
