"""Merge the region's normalised operator feeds into regional GTFS feeds (Dagster-free).

- `regional`: `merge_feeds` -> `RegionalFeed` (hubs applied, transfers, the pool's feed_info);
- `pool_checks`: findings no single-feed validator makes (id collisions, duplicate trips across
  operators, unlinked stops a few metres apart, calendar gaps on shared corridors);
- `outputs`: the files written for the normalised feeds, the internal and the open feed.
"""

from regie.integrate.checks import CODES, PoolCheckSettings, pool_checks, pool_stops
from regie.integrate.merge.regional import FeedInfo, RegionalFeed, merge_feeds

__all__ = ["CODES", "FeedInfo", "PoolCheckSettings", "RegionalFeed", "merge_feeds", "pool_checks", "pool_stops"]
