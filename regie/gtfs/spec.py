"""Which GTFS columns hold ids, of which kind, and which files are standard.

`ID_COLUMNS` is the one table namespacing and pruning read: (table, column, id kind). A column is
namespaced with its kind's prefix, so a reference and the id it points at always stay equal.
"""

from __future__ import annotations

# (table, column, kind); the first row of a kind whose table defines it is listed in DEFINED_BY
ID_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("agency", "agency_id", "agency"),
    ("routes", "route_id", "route"),
    ("routes", "agency_id", "agency"),
    ("routes", "network_id", "network"),
    ("trips", "route_id", "route"),
    ("trips", "service_id", "service"),
    ("trips", "trip_id", "trip"),
    ("trips", "block_id", "block"),
    ("trips", "shape_id", "shape"),
    ("stop_times", "trip_id", "trip"),
    ("stop_times", "stop_id", "stop"),
    ("stops", "stop_id", "stop"),
    ("stops", "parent_station", "stop"),
    ("stops", "zone_id", "zone"),
    ("stops", "level_id", "level"),
    ("calendar", "service_id", "service"),
    ("calendar_dates", "service_id", "service"),
    ("shapes", "shape_id", "shape"),
    ("frequencies", "trip_id", "trip"),
    ("transfers", "from_stop_id", "stop"),
    ("transfers", "to_stop_id", "stop"),
    ("transfers", "from_route_id", "route"),
    ("transfers", "to_route_id", "route"),
    ("transfers", "from_trip_id", "trip"),
    ("transfers", "to_trip_id", "trip"),
    ("fare_attributes", "fare_id", "fare"),
    ("fare_attributes", "agency_id", "agency"),
    ("fare_rules", "fare_id", "fare"),
    ("fare_rules", "route_id", "route"),
    ("fare_rules", "origin_id", "zone"),
    ("fare_rules", "destination_id", "zone"),
    ("fare_rules", "contains_id", "zone"),
    ("levels", "level_id", "level"),
    ("pathways", "pathway_id", "pathway"),
    ("pathways", "from_stop_id", "stop"),
    ("pathways", "to_stop_id", "stop"),
    ("attributions", "attribution_id", "attribution"),
    ("attributions", "agency_id", "agency"),
    ("attributions", "route_id", "route"),
    ("attributions", "trip_id", "trip"),
    # fares v2
    ("areas", "area_id", "area"),
    ("stop_areas", "area_id", "area"),
    ("stop_areas", "stop_id", "stop"),
    ("networks", "network_id", "network"),
    ("route_networks", "network_id", "network"),
    ("route_networks", "route_id", "route"),
    ("timeframes", "timeframe_group_id", "timeframe"),
    ("timeframes", "service_id", "service"),
    ("rider_categories", "rider_category_id", "rider_category"),
    ("fare_media", "fare_media_id", "fare_media"),
    ("fare_products", "fare_product_id", "fare_product"),
    ("fare_products", "fare_media_id", "fare_media"),
    ("fare_products", "rider_category_id", "rider_category"),
    ("fare_leg_rules", "leg_group_id", "leg_group"),
    ("fare_leg_rules", "network_id", "network"),
    ("fare_leg_rules", "from_area_id", "area"),
    ("fare_leg_rules", "to_area_id", "area"),
    ("fare_leg_rules", "from_timeframe_group_id", "timeframe"),
    ("fare_leg_rules", "to_timeframe_group_id", "timeframe"),
    ("fare_leg_rules", "fare_product_id", "fare_product"),
    ("fare_leg_join_rules", "from_network_id", "network"),
    ("fare_leg_join_rules", "to_network_id", "network"),
    ("fare_leg_join_rules", "from_stop_id", "stop"),
    ("fare_leg_join_rules", "to_stop_id", "stop"),
    ("fare_transfer_rules", "from_leg_group_id", "leg_group"),
    ("fare_transfer_rules", "to_leg_group_id", "leg_group"),
    ("fare_transfer_rules", "fare_product_id", "fare_product"),
)

# where the ids of a kind are defined (for collision checks between an operator's feeds)
DEFINED_BY: dict[str, tuple[str, str]] = {
    "agency": ("agency", "agency_id"),
    "route": ("routes", "route_id"),
    "trip": ("trips", "trip_id"),
    "stop": ("stops", "stop_id"),
    "service": ("trips", "service_id"),
    "shape": ("trips", "shape_id"),
    "block": ("trips", "block_id"),
    "zone": ("stops", "zone_id"),
    "level": ("levels", "level_id"),
    "fare": ("fare_attributes", "fare_id"),
    "pathway": ("pathways", "pathway_id"),
    "attribution": ("attributions", "attribution_id"),
    "area": ("areas", "area_id"),
    "network": ("networks", "network_id"),
    "timeframe": ("timeframes", "timeframe_group_id"),
    "rider_category": ("rider_categories", "rider_category_id"),
    "fare_media": ("fare_media", "fare_media_id"),
    "fare_product": ("fare_products", "fare_product_id"),
    "leg_group": ("fare_leg_rules", "leg_group_id"),
}

# translations.record_id points at the table named in table_name (GTFS translations.txt)
TRANSLATION_RECORD_KIND: dict[str, str] = {
    "agency": "agency", "stops": "stop", "routes": "route", "trips": "trip",
    "stop_times": "trip", "pathways": "pathway", "levels": "level", "attributions": "attribution",
}

STANDARD_TABLES: frozenset[str] = frozenset({
    "agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates",
    "fare_attributes", "fare_rules", "timeframes", "rider_categories", "fare_media", "fare_products",
    "fare_leg_rules", "fare_leg_join_rules", "fare_transfer_rules", "areas", "stop_areas", "networks",
    "route_networks", "shapes", "frequencies", "transfers", "pathways", "levels", "location_groups",
    "location_group_stops", "booking_rules", "translations", "feed_info", "attributions",
})


def id_columns(table: str) -> list[tuple[str, str]]:
    """(column, kind) of the table's id columns."""
    return [(column, kind) for name, column, kind in ID_COLUMNS if name == table]
