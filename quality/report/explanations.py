"""Plain-language explanations of notice codes and score components, for the people who read
the reports (transport authorities and operators, not GTFS specialists)."""

from __future__ import annotations

from functools import cache

EXPLANATIONS: dict[str, str] = {
    # --- canonical rules (MobilityData), the ones real feeds trip most often ---
    "missing_required_file": "A file every GTFS feed must contain is missing, so the timetable cannot be used as is.",
    "missing_required_column": "A column the GTFS standard requires is absent from a file.",
    "missing_required_field": "A value the GTFS standard requires is empty on these rows.",
    "missing_recommended_field": "A value the standard recommends is empty: the feed works, but travellers get less information.",
    "missing_recommended_column": (
        "A column the standard recommends is absent: the feed works, but travellers get less information."
    ),
    "missing_recommended_file": "A file the standard recommends is absent (often feed_info.txt or shapes.txt).",
    "missing_feed_contact_email_and_url": "feed_info.txt gives neither an e-mail nor a web address to report data problems to.",
    "missing_calendar_and_calendar_date_files": (
        "The feed has neither calendar.txt nor calendar_dates.txt, so no trip has service days."
    ),
    "foreign_key_violation": "A row refers to something (a stop, a route, a trip, a service...) that the feed does not define.",
    "duplicate_key": "The same identifier is used twice in a file, so a journey planner cannot tell the two rows apart.",
    "duplicate_trip": "Two trips run the same route at the same times on the same days: probably a copy.",
    "duplicate_route_name": "Two routes of the same agency have the same name and type, which confuses travellers.",
    "invalid_date": "A date is not written as YYYYMMDD.",
    "invalid_time": "A time is not written as HH:MM:SS.",
    "invalid_url": "A web address is not a valid URL.",
    "invalid_email": "An e-mail address is not valid.",
    "invalid_phone_number": "A phone number is not valid.",
    "invalid_timezone": "A time zone is not a valid name such as Europe/Paris.",
    "invalid_color": "A route colour is not a six-digit hexadecimal colour.",
    "invalid_currency": "A fare currency is not a valid ISO 4217 code such as EUR.",
    "invalid_integer": "A value that must be a whole number is not one.",
    "invalid_float": "A value that must be a number is not one.",
    "invalid_language_code": "A language is not a valid code such as fr, es or eu.",
    "invalid_row_length": "A row has more or fewer values than the file's header.",
    "invalid_character": "A value contains a character that is not allowed there.",
    "number_out_of_range": "A number is outside the range the standard allows (for example a latitude above 90).",
    "unexpected_enum_value": "A coded value (route type, location type...) is not one the standard defines.",
    "leading_or_trailing_whitespaces": "A value starts or ends with spaces, which can break matching by identifier.",
    "new_line_in_value": "A value contains a line break.",
    "empty_file": "A file is present but has no rows.",
    "empty_row": "A file contains empty rows.",
    "unknown_column": "A column is not part of the GTFS standard; it is ignored.",
    "unknown_file": "A file is not part of the GTFS standard; it is ignored.",
    "csv_parsing_failed": "A file could not be read as CSV.",
    "inconsistent_agency_timezone": "The agencies of the feed declare different time zones.",
    "expired_calendar": "Some services ended before the validation date: the feed still carries past timetables.",
    "feed_expiration_date7_days": "The feed's validity ends within a week: a new version is urgently needed.",
    "feed_expiration_date30_days": "The feed's validity ends within 30 days: a new version is needed soon.",
    "feed_info_lang_and_agency_lang_mismatch": "feed_info.txt and agency.txt declare different languages.",
    "service_never_active": "A service is defined but never runs on any day.",
    "trip_coverage_not_active_for_next7_days": "Few or no trips run in the next seven days.",
    "too_many_days_without_service": "The calendar has a long run of days without any service.",
    "unusable_trip": "A trip has fewer than two stops, so no one can travel on it.",
    "unused_trip": "A trip has no stop times.",
    "unused_route": "A route has no trips.",
    "unused_shape": "A shape (the drawn path of a line) is used by no trip.",
    "unused_stop": "A stop is served by no trip.",
    "unused_station": "A station has no stop that belongs to it.",
    "unused_parent_station": "A station is referred to as parent by no stop.",
    "stop_without_stop_time": "A stop is served by no trip.",
    "stop_without_location": "A stop has no coordinates.",
    "stop_without_zone_id": "A stop has no fare zone although fares use zones.",
    "missing_stop_name": "A stop has no name, so travellers cannot recognise it.",
    "station_with_parent_station": "A station itself has a parent station, which the standard forbids.",
    "wrong_parent_location_type": "A stop's parent is not a station (or a platform's parent is not the right kind of place).",
    "platform_without_parent_station": "A platform does not say which station it belongs to.",
    "location_without_parent_station": "An entrance, node or boarding area does not say which station it belongs to.",
    "same_name_and_description_for_stop": "A stop's description only repeats its name.",
    "same_name_and_description_for_route": "A route's description only repeats its name.",
    "route_both_short_and_long_name_missing": "A route has neither a short nor a long name.",
    "route_short_name_too_long": "A route's short name is long; it should be a short label such as a line number.",
    "route_long_name_contains_short_name": "A route's long name repeats its short name.",
    "route_color_contrast": "The route's text colour is hard to read on its background colour.",
    "same_route_and_agency_url": "A route's web page is just the agency's home page.",
    "same_stop_and_agency_url": "A stop's web page is just the agency's home page.",
    "same_stop_and_route_url": "A stop's web page is just the route's web page.",
    "fast_travel_between_consecutive_stops": (
        "The timetable makes a vehicle travel implausibly fast between two consecutive stops: usually a wrong time or a "
        "misplaced stop."
    ),
    "fast_travel_between_far_stops": "The timetable makes a vehicle travel implausibly fast between two distant stops.",
    "stop_too_far_from_shape": "A stop lies far from the drawn path of its trip: the stop or the shape is misplaced.",
    "stop_too_far_from_shape_using_user_distance": (
        "A stop lies far from its trip's drawn path at the distance the feed declares."
    ),
    "stops_match_shape_out_of_order": "The stops of a trip do not follow the order of its drawn path.",
    "stop_has_too_many_matches_for_shape": "A stop matches several places along its trip's drawn path.",
    "stop_time_with_arrival_before_previous_departure_time": "A vehicle arrives at a stop before it left the previous one.",
    "stop_time_with_only_arrival_or_departure_time": "A stop time gives an arrival without a departure, or the reverse.",
    "stop_time_timepoint_without_times": "A stop marked as an exact timing point has no time.",
    "missing_trip_edge": "The first or last stop of a trip has no time.",
    "decreasing_or_equal_stop_time_distance": "The distance travelled does not increase along a trip.",
    "decreasing_shape_distance": "The distance travelled does not increase along a shape.",
    "equal_shape_distance_diff_coordinates": "Two points of a shape have the same distance but different places.",
    "equal_shape_distance_same_coordinates": "A shape repeats the same point.",
    "single_shape_point": "A shape has only one point, so no path can be drawn.",
    "block_trips_with_overlapping_stop_times": "Two trips run by the same vehicle (block) overlap in time.",
    "overlapping_frequency": "Two frequency periods of the same trip overlap.",
    "point_near_origin": "A place has coordinates near 0,0 (in the ocean off Africa): almost certainly missing coordinates.",
    "point_near_pole": "A place has coordinates near a pole: almost certainly wrong coordinates.",
    "transfer_distance_too_large": "A transfer joins two stops that are very far apart.",
    "transfer_distance_above_2_km": "A transfer joins two stops more than 2 km apart.",
    "transfer_with_invalid_stop_location_type": "A transfer refers to a place that cannot be a transfer point.",
    "pathway_unreachable_location": "A place inside a station cannot be reached by its pathways.",
    "pathway_dangling_generic_node": "A pathway node leads nowhere.",
    "pathway_loop": "A pathway starts and ends at the same place.",
    "translation_foreign_key_violation": "A translation refers to a record that does not exist.",
    "translation_unexpected_value": "A translation row has a value where none is expected.",
    "attribution_without_role": "An attribution does not say whether the organisation is producer, operator or authority.",
    "non_ascii_or_non_printable_char": "An identifier contains unusual characters.",
    "mixed_case_recommended_field": "A value mixes upper and lower case in an unusual way.",
    "missing_bike_allowance": "Trips do not say whether bikes are allowed.",
    "missing_timepoint_value": "Stop times do not say whether their times are exact or estimated.",
    "future_feed": "The feed only starts in the future.",
    "service_extends_far_in_the_future": "Service runs suspiciously far into the future.",
    "i_o_error": "The feed file could not be read.",
    "runtime_exception_in_loader_error": "The validator failed while reading a file; the file may be malformed.",
    "runtime_exception_in_validator_error": "A check of the validator failed; its findings may be incomplete.",
    "thread_execution_error": "The validator failed while running; its findings may be incomplete.",
    "too_many_rows": "A file has more rows than the validator can handle.",
    # --- the pool's own checks: zip inspection (prescreen), reading, engine ---
    "feed_download_failed": "The feed could not be downloaded from its address.",
    "feed_file_missing": "The feed file to validate does not exist.",
    "feed_file_empty": "The feed file received is empty (0 bytes).",
    "invalid_zip_file": "The file received is not a readable zip archive, so it cannot be a GTFS feed.",
    "zip_too_many_members": "The zip archive holds far more files than a GTFS feed should; it was not unpacked.",
    "zip_uncompressed_size_too_large": "Once unzipped, the feed would be far larger than the pool accepts; it was not unpacked.",
    "zip_compression_ratio_too_high": "The zip compresses suspiciously well (a possible zip bomb); it was not unpacked.",
    "zip_unsafe_member_name": "A file inside the zip has an unsafe name (an absolute path, or going up with ..).",
    "zip_member_encrypted": "A file inside the zip is password-protected, so it cannot be read.",
    "folder_unsafe_entry": "The feed folder contains an entry that is unsafe to read (a link or a special file).",
    "feed_in_subfolder": "The GTFS files are inside a folder of the zip instead of at its root.",
    "junk_member": "The zip contains files that are not part of a feed (system or editor files); they are ignored.",
    "file_not_utf8": "A file is not encoded in UTF-8, so accented names may be garbled.",
    "rows_with_wrong_field_count": "Some rows have more or fewer values than the header; they were padded or cut to be read.",
    "file_unreadable": "A file could not be read at all.",
    "feed_unreadable": "No file of the feed could be read.",
    "engine_failure": (
        "The canonical validator failed on this feed (crash, time or memory limit), so its rules could not be checked."
    ),
    "own_rule_failed": "One of the pool's own checks failed to run on this feed; its findings are missing.",
    # --- the pool's own rules, where the canonical set is silent ---
    "stop_too_far_from_parent_station": "A stop is far from the station it belongs to: the stop or the station is misplaced.",
    "parent_station_coordinates_suspect": (
        "A station lies far from all of its stops: its own coordinates are probably wrong (zero, swapped or mistyped)."
    ),
    "stop_too_close_to_another_stop": "Two stops are only a few metres apart: probably the same stop entered twice.",
    "stop_outside_region": "A stop lies outside the region's area: its coordinates are probably wrong.",
    "feed_service_ends_soon": "The timetable ends soon: the operator should send a new version before then.",
    "feed_expired": "The timetable has ended: travellers get no departures from this version.",
    "feed_not_updated": "The feed has not changed for a long time: check that it is still maintained.",
    "calendar_covers_single_day": (
        "A service of calendar.txt runs on one day only; calendar_dates.txt is the usual place for that."
    ),
    "route_network_conflict": "A route is given to two different networks (in routes.txt and route_networks.txt).",
    "fare_product_ambiguous_rider_category": (
        "A fare product has several default rider categories, so the default price is ambiguous."
    ),
    "duplicate_primary_key": "The same identifier is used twice in a file, so a journey planner cannot tell the two rows apart.",
    "reference_not_found": "A row refers to something (a stop, a route, a trip, a service...) that the feed does not define.",
    # --- the region's expectations (Great Expectations suites) ---
    "region_stop_outside_bbox": "A stop lies outside the region's bounding box: its coordinates are probably wrong.",
    "region_coordinate_out_of_range": "A stop's latitude or longitude is outside the possible range.",
    "region_missing_id": "An identifier the region requires is empty.",
    "region_duplicate_id": "An identifier that must be unique is used more than once.",
    "region_invalid_time": "A time is not written as HH:MM:SS.",
    "region_invalid_date": "A date is not written as YYYYMMDD.",
    "region_end_date_before_start_date": "A service ends before it starts.",
    "region_calendar_ends_soon": "The calendar does not run far enough ahead for the region's planning needs.",
    "region_invalid_stop_sequence": "A stop sequence is not a whole number of zero or more.",
    "region_invalid_route_type": "A route type is not one the region accepts.",
    "region_invalid_location_type": "A location type is not one the standard defines.",
    "region_expectation_error": "One of the region's expectations could not be evaluated on this feed.",
}

SEVERITY_EXPLANATIONS: dict[str, str] = {
    "ERROR": "Errors break the feed for journey planners; a version with an error that is not waived is blocked.",
    "WARNING": "Warnings do not block, but they make the information given to travellers worse.",
    "INFO": "Information: remarks that may be worth a look.",
}

SCORE_COMPONENTS: dict[str, str] = {
    "compliance": "How few errors and warnings the feed has for its size (findings per thousand rows).",
    "freshness": "How far ahead the timetable runs and how recently the operator updated it.",
    "availability": "How reliably the feed could be downloaded from its address over the recent window.",
    "completeness": "Whether the recommended files and fields (feed contact, shapes, stop names...) are present.",
}


@cache
def _canonical_summaries() -> dict[str, str]:
    """gtfs-guru's one-line summaries of the canonical codes (empty if unavailable)."""
    try:
        import gtfs_guru

        return {code: str(spec.get("shortSummary") or "") for code, spec in gtfs_guru.notice_schema().items()}
    except Exception:  # a missing summary only costs the fallback sentence
        return {}


def explain(code: str, message: str | None = None) -> str:
    """The plain-language explanation of `code`: ours, else the canonical rule's summary, else a
    sentence built from the finding's own message (or its code)."""
    if code in EXPLANATIONS:
        return EXPLANATIONS[code]
    summary = _canonical_summaries().get(code)
    if summary:
        return summary
    if message and str(message).strip():
        return f"No explanation is recorded for this code yet; the first finding says: {str(message).strip()}"
    return f"Finding {code.replace('_', ' ')} (no explanation recorded for this code yet)."


def explain_component(name: str) -> str:
    return SCORE_COMPONENTS.get(name, f"The {name.replace('_', ' ')} part of the score (0-100).")
