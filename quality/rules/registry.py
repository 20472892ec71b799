"""The own rules' registry: every family in the order they run, the codes they emit, and
`run_own_rules`, which runs them all (see the package docstring for what each family checks)."""

from __future__ import annotations

import pandas as pd

from quality.notices import Severity, Source, notice, notices_frame
from quality.rules import (
    canonical_fallback,
    fares,
    frequencies,
    freshness,
    keys,
    networks,
    region,
    route_names,
    service_window,
    shapes,
    speed,
    stations,
    stop_spacing,
    transfers,
    url_schemes,
)
from quality.rules._common import combined
from quality.rules.context import RuleContext, RuleFamily
from regie.gtfs.feed_tables import FeedTables

OWN_CODES: dict[str, str] = {
    "stop_too_far_from_parent_station": "WARNING",  # ERROR beyond 10x the threshold
    "parent_station_coordinates_suspect": "ERROR",  # WARNING within 10x the threshold
    "stop_too_close_to_another_stop": "WARNING",
    "stop_outside_region": "WARNING",
    "most_stops_outside_region": "ERROR",
    "feed_expired": "ERROR",
    "feed_service_ends_soon": "WARNING",
    "calendar_covers_single_day": "INFO",
    "feed_not_updated": "WARNING",
    "reference_not_found": "ERROR",
    "fare_product_ambiguous_rider_category": "ERROR",
    "route_network_conflict": "WARNING",
    "duplicate_primary_key": "ERROR",
    "trip_without_stop_times": "WARNING",
    "route_name_unexpected_characters": "WARNING",
    "fast_travel_over_pool_limit": "WARNING",
    "shape_point_outlier": "WARNING",
    "frequency_shorter_than_headway": "WARNING",
    "min_transfer_time_missing": "WARNING",
    "min_transfer_time_ignored": "INFO",
    "script_url": "ERROR",
    "url_scheme_not_http": "WARNING",
    "own_rule_failed": "WARNING",
}
"""Every code the own rules emit, with its usual severity (none is a canonical code)."""


def rule_families() -> dict[str, RuleFamily]:
    """Every family by module name, in the order they run."""
    modules = (stations, stop_spacing, region, service_window, freshness, fares, networks, keys,
               canonical_fallback, route_names, speed, shapes, frequencies, transfers, url_schemes)
    return {module.__name__.rsplit(".", 1)[-1]: module.check for module in modules}


def run_own_rules(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    """Every own rule on `feed`: one notice frame, source "regie"."""
    frames = []
    for name, check in rule_families().items():
        try:
            frames.append(check(feed, context))
        except Exception as exc:  # one family's bug must not hide the others' findings
            frames.append(notices_frame([notice(
                "own_rule_failed", Severity.WARNING, Source.REGIE,
                f"The pool's rule family '{name}' could not run on this feed ({type(exc).__name__}: {exc}); "
                "its findings are missing from this report.",
                family=name, error=f"{type(exc).__name__}: {exc}",
            )]))
    return combined(frames)


__all__ = ["OWN_CODES", "rule_families", "run_own_rules"]
