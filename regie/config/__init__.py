"""Typed configuration: the region (`region.yaml`) and the operator registry (`operators.yaml`)."""

from regie.config.loader import ConfigError
from regie.config.operators import Feed, FeedKind, Operator, Registry, load_registry
from regie.config.region import Region, load_region

__all__ = [
    "ConfigError",
    "Feed",
    "FeedKind",
    "Operator",
    "Registry",
    "Region",
    "load_region",
    "load_registry",
]
