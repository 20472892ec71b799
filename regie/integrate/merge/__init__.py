"""Merge the region's normalised operator feeds into regional GTFS feeds (Dagster-free).

- `regional`: `merge_feeds` -> `RegionalFeed` (hubs applied, transfers, the pool's feed_info);
- `audit`: nothing of an operator outside its feed, no row unaccounted for.
"""
