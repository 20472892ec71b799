"""Transitland validator error names -> the canonical (gtfs-guru) or own (regie) codes that report
the same finding, as checked case by case in tests/test_transitland_cases.py on the transitland
validator fixtures (../shared/data/feeds/errors/transitland_validator_layers).

Transitland reports some findings on the entity (trips.txt for a trip whose stop_times are out of
order, the first row of a shape) where MobilityData reports the record (stop_times.txt,
shapes.txt): the test accepts a notice of another file when it names that entity's id.
"""

from __future__ import annotations

TRANSITLAND_TO_CODES: dict[str, tuple[str, ...]] = {
    "DuplicateIDError": ("duplicate_key", "duplicate_primary_key"),
    # calendar_dates.txt (service_id, date) twice; transitland names the service's calendar.txt row.
    "DuplicateServiceExceptionError": ("duplicate_key",),
    # fare_rules and route_networks keys are not checked by gtfs-guru: ours.
    "DuplicateKeyError": ("duplicate_key", "duplicate_primary_key"),
    "InvalidTimezoneError": ("invalid_timezone",),
    "InconsistentTimezoneError": ("inconsistent_agency_timezone",),
    # Canonical foreign keys, ours for fares v2 and for tables gtfs-guru drops (reference_not_found);
    # a parent_station that is a platform is canonical's wrong_parent_location_type.
    "InvalidReferenceError": ("foreign_key_violation", "reference_not_found", "wrong_parent_location_type"),
    # fare_rules origin/destination/contains_id not a stops.txt zone_id: a foreign key for MobilityData.
    "InvalidFarezoneError": ("foreign_key_violation", "reference_not_found"),
    # A boarding area whose parent is a station, not a platform.
    "InvalidParentStationError": ("wrong_parent_location_type", "station_with_parent_station"),
    # agency_id missing with several agencies (required) or with one (recommended).
    "ConditionallyRequiredFieldError": ("missing_required_agency_id", "missing_recommended_field",
                                        "missing_required_field"),
    "AmbiguousRiderCategoryError": ("fare_product_ambiguous_rider_category",
                                    "fare_product_with_multiple_default_rider_categories"),
    "FileDuplicateFieldError": ("duplicated_column",),
    # A file without its header row: its required columns are missing.
    "FileRequiredError": ("missing_required_file", "missing_required_column"),
    # A trip with no (or fewer than two) stop times; a repeated trip_id record has none of its own
    # in transitland's model, which MobilityData reports on that very row as duplicate_key.
    "EmptyTripError": ("unused_trip", "unusable_trip", "trip_without_stop_times", "duplicate_key"),
    # Out-of-order data along a trip or shape: decreasing distances, arrival before the previous
    # departure, a missing last time, a repeated shape_pt_sequence (ours: not checked by gtfs-guru).
    "SequenceError": ("decreasing_shape_distance", "decreasing_or_equal_stop_time_distance",
                      "stop_time_with_arrival_before_previous_departure_time", "missing_trip_edge",
                      "duplicate_primary_key", "duplicate_key"),
    "NoScheduledServiceError": ("service_never_active", "service_has_no_active_day_of_the_week"),
    "FrequencyOverlapError": ("overlapping_frequency",),
    "RouteNamesPrefixError": ("route_long_name_contains_short_name",),
    "RouteNamesCharactersError": ("route_name_unexpected_characters",),
    "DuplicateRouteNameError": ("duplicate_route_name",),
    # Transitland's maximum segment length; ours detects the spike (out-and-back) it comes from.
    "ShapeMaxSegmentLengthError": ("shape_point_outlier",),
    "ZeroCoordinateError": ("point_near_origin",),
    "FastTravelError": ("fast_travel_between_consecutive_stops", "fast_travel_between_far_stops",
                        "fast_travel_over_pool_limit"),
    # Stops under 1 m apart (transitland's threshold, ours too).
    "StopTooCloseError": ("stop_too_close_to_another_stop",),
    # A child far from its parent station (transitland: 1 km; ours: the configured threshold).
    "StopTooFarError": ("stop_too_far_from_parent_station", "parent_station_coordinates_suspect"),
    "StopTooFarFromShapeError": ("stop_too_far_from_shape", "stop_too_far_from_shape_using_user_distance"),
    "BlockOverlapError": ("block_trips_with_overlapping_stop_times",),
    # Transitland's generic best-practice warning, one name for several checks: a calendar without
    # any weekday or covering a single day, a frequency period shorter than its headway or empty,
    # an extended route_type, route colour contrast, a description repeating the name, a short
    # name too long, min_transfer_time against transfer_type.
    "ValidationWarning": (
        "service_has_no_active_day_of_the_week", "service_never_active", "calendar_covers_single_day",
        "start_and_end_range_equal", "frequency_shorter_than_headway", "unexpected_enum_value",
        "route_color_contrast", "same_name_and_description_for_route", "route_short_name_too_long",
        "min_transfer_time_missing", "min_transfer_time_ignored",
    ),
}
