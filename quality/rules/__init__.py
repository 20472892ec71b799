"""The pool's own quality rules, where MobilityData's canonical set (gtfs-guru) is silent.

`quality.rules.registry.run_own_rules(feed, context)` runs every rule family on the tables of
`read_feed_tables` and returns one notice frame (source "regie"). Rules are vectorised over whole tables; each notice
names the file, the CSV row (`_row`), the field, a plain-language message and the ids involved.

Codes (severity) by family module:
- stations: stop_too_far_from_parent_station (WARNING; ERROR beyond 10x the threshold),
  parent_station_coordinates_suspect (ERROR beyond 10x the threshold: 0,0, swapped; else WARNING).
- stop_spacing: stop_too_close_to_another_stop (WARNING).
- region: stop_outside_region (WARNING), most_stops_outside_region (ERROR; only with a bbox).
- service_window: feed_expired (ERROR), feed_service_ends_soon (WARNING),
  calendar_covers_single_day (INFO).
- freshness: feed_not_updated (WARNING; only when last_changed is known).
- fares: reference_not_found (ERROR) for the fares v2 references canonical does not check,
  fare_product_ambiguous_rider_category (ERROR).
- networks: route_network_conflict (WARNING).
- keys: duplicate_primary_key (ERROR) for the tables canonical does not check for duplicates.
- canonical_fallback: reference_not_found (ERROR) and trip_without_stop_times (WARNING), only for
  tables gtfs-guru drops from its cross-file checks (a ragged row, an empty or duplicated
  header name, or unreadable), which our reader recovers. (`references` holds the reference
  checks as data, shared with fares; `transitland_mapping` maps transitland's error names.)
- route_names: route_name_unexpected_characters (WARNING).
- speed: fast_travel_over_pool_limit (WARNING).
- shapes: shape_point_outlier (WARNING).
- frequencies: frequency_shorter_than_headway (WARNING).
- transfers: min_transfer_time_missing (WARNING), min_transfer_time_ignored (INFO).
- url_schemes: script_url (ERROR: javascript:, vbscript:, data: in a URL field),
  url_scheme_not_http (WARNING: any other non-http(s) scheme).

Left to the canonical set on purpose (it already reports them): unused stops and platforms
(stop_without_stop_time), unused stations (unused_station), trips without stop times
(unused_trip, unusable_trip), expired service calendars one by one (expired_calendar),
feed_info expiry (feed_expiration_date7_days/30_days), route short names too long and
all-caps names (route_short_name_too_long, mixed_case_recommended_field), speeds above its own
per-route-type limits (fast_travel_between_consecutive_stops / _far_stops), zero coordinates
(point_near_origin). Junk zip members are the pre-screen's.

A family that raises does not stop the others: it is reported as `own_rule_failed` (WARNING)
naming the family and the error, so a bug in our rules never silently passes a feed nor blocks it.
"""
