"""Checks across the operators of a pool that no single-feed validator makes (Dagster-free).

`pool_checks(feeds, match, stops, settings) -> findings` (a `quality.notices` frame, source
"pool", one row per finding, `context` naming operator_a/operator_b and the ids involved).

Codes (severity) by check module:
- id_collision: pool_id_collision (INFO), the same raw id defined by two operators;
- duplicate_trip: pool_duplicate_trip (WARNING), one journey published by two operators;
- nearby_stops: pool_unlinked_nearby_stops (WARNING), stops of two operators a few metres apart
  and in no common hub;
- calendar_gap: pool_calendar_gap (WARNING), an operator without service while another sharing
  hubs with it runs.
`common` holds what they share: the settings, the hub of each stop, each operator's service dates
and building the findings.

A stop is in a hub when it is a hub member, was re-parented into one, or its parent station is in
one (so a station's platforms follow the station). Service dates are calendar + calendar_dates
(`regie.gtfs.calendar.service_dates`), of the services some trip uses.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from quality.notices import notices_frame
from regie.integrate.checks import calendar_gap, duplicate_trip, id_collision, nearby_stops
from regie.integrate.checks.common import DEFAULT_SETTINGS, OperatorDates, PoolCheckSettings, stop_hubs
from regie.integrate.normalise import NormalisedFeed
from regie.integrate.stops.frame import combined_stops
from regie.integrate.stops.matching import MatchResult

CODES = {id_collision.ID_COLLISION: id_collision.SEVERITY, duplicate_trip.DUPLICATE_TRIP: duplicate_trip.SEVERITY,
         nearby_stops.UNLINKED_NEARBY_STOPS: nearby_stops.SEVERITY, calendar_gap.CALENDAR_GAP: calendar_gap.SEVERITY}
"""Every code the pool checks emit, with its severity, in the order they run."""


def pool_stops(feeds: Mapping[str, NormalisedFeed]) -> pd.DataFrame:
    """The combined stops frame (`regie.integrate.stops.frame` shape) of normalised feeds, ids
    unchanged (`combined_stops(feeds, namespace=False)`, keyed by each feed's operator id)."""
    return combined_stops({feed.operator_id: feed for feed in feeds.values()}, namespace=False)


def pool_checks(feeds: Mapping[str, NormalisedFeed], match: MatchResult, stops: pd.DataFrame,
                settings: PoolCheckSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Every pool-level finding, in code order: id collisions, duplicate trips, unlinked nearby
    stops, calendar gaps. `stops`: the combined stops frame the match was made on (e.g.
    `pool_stops(feeds)`)."""
    hub_of = stop_hubs(match, stops)
    dates = OperatorDates()
    frames = [id_collision.id_collisions(feeds),
              duplicate_trip.duplicate_trips(feeds, hub_of, settings, operator_dates=dates),
              nearby_stops.unlinked_nearby_stops(stops, match, hub_of, settings),
              calendar_gap.calendar_gaps(feeds, match, settings, operator_dates=dates)]
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return notices_frame()
    return notices_frame(pd.concat(frames, ignore_index=True))


__all__ = ["CODES", "PoolCheckSettings", "pool_checks", "pool_stops"]
