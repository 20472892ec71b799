"""Plain-language explanations of notice codes and score components, for the people who read
the reports (transport authorities and operators, not GTFS specialists). The English text is the
msgid of the pages' catalogues (`regie.pages.i18n`): `explain(code, words=Words("eu"))` says it in Basque."""

from __future__ import annotations

from functools import cache

from regie.pages.i18n import N_
from regie.pages.words import Words

EXPLANATIONS: dict[str, str] = {
    # --- canonical rules (MobilityData), the ones real feeds trip most often ---
    "missing_required_file": N_("A file every GTFS feed must contain is missing, so the timetable cannot be used as is."),
    "missing_required_column": N_("A column the GTFS standard requires is absent from a file."),
    "missing_required_field": N_("A value the GTFS standard requires is empty on these rows."),
    "missing_recommended_field": N_(
        "A value the standard recommends is empty: the feed works, but travellers get less information."
    ),
    "missing_recommended_column": N_(
        "A column the standard recommends is absent: the feed works, but travellers get less information."
    ),
    "missing_recommended_file": N_("A file the standard recommends is absent (often feed_info.txt or shapes.txt)."),
    "missing_feed_contact_email_and_url": N_(
        "feed_info.txt gives neither an e-mail nor a web address to report data problems to."
    ),
    "missing_calendar_and_calendar_date_files": N_(
        "The feed has neither calendar.txt nor calendar_dates.txt, so no trip has service days."
    ),
    "foreign_key_violation": N_(
        "A row refers to something (a stop, a route, a trip, a service...) that the feed does not define."
    ),
    "duplicate_key": N_("The same identifier is used twice in a file, so a journey planner cannot tell the two rows apart."),
    "duplicate_trip": N_("Two trips run the same route at the same times on the same days: probably a copy."),
    "duplicate_route_name": N_("Two routes of the same agency have the same name and type, which confuses travellers."),
    "invalid_date": N_("A date is not written as YYYYMMDD."),
    "invalid_time": N_("A time is not written as HH:MM:SS."),
    "invalid_url": N_("A web address is not a valid URL."),
    "invalid_email": N_("An e-mail address is not valid."),
    "invalid_phone_number": N_("A phone number is not valid."),
    "invalid_timezone": N_("A time zone is not a valid name such as Europe/Paris."),
    "invalid_color": N_("A route colour is not a six-digit hexadecimal colour."),
    "invalid_currency": N_("A fare currency is not a valid ISO 4217 code such as EUR."),
    "invalid_integer": N_("A value that must be a whole number is not one."),
    "invalid_float": N_("A value that must be a number is not one."),
    "invalid_language_code": N_("A language is not a valid code such as fr, es or eu."),
    "invalid_row_length": N_("A row has more or fewer values than the file's header."),
    "invalid_character": N_("A value contains a character that is not allowed there."),
    "number_out_of_range": N_("A number is outside the range the standard allows (for example a latitude above 90)."),
    "unexpected_enum_value": N_("A coded value (route type, location type...) is not one the standard defines."),
    "leading_or_trailing_whitespaces": N_("A value starts or ends with spaces, which can break matching by identifier."),
    "new_line_in_value": N_("A value contains a line break."),
    "empty_file": N_("A file is present but has no rows."),
    "empty_row": N_("A file contains empty rows."),
    "unknown_column": N_("A column is not part of the GTFS standard; it is ignored."),
    "unknown_file": N_("A file is not part of the GTFS standard; it is ignored."),
    "csv_parsing_failed": N_("A file could not be read as CSV."),
    "inconsistent_agency_timezone": N_("The agencies of the feed declare different time zones."),
    "expired_calendar": N_("Some services ended before the validation date: the feed still carries past timetables."),
    "feed_expiration_date7_days": N_("The feed's validity ends within a week: a new version is urgently needed."),
    "feed_expiration_date30_days": N_("The feed's validity ends within 30 days: a new version is needed soon."),
    "inconsistent_agency_lang": N_("The agencies of the feed declare different languages."),
    "feed_info_lang_and_agency_lang_mismatch": N_("feed_info.txt and agency.txt declare different languages."),
    "service_never_active": N_("A service is defined but never runs on any day."),
    "trip_coverage_not_active_for_next7_days": N_("Few or no trips run in the next seven days."),
    "too_many_days_without_service": N_("The calendar has a long run of days without any service."),
    "unusable_trip": N_("A trip has fewer than two stops, so no one can travel on it."),
    "unused_trip": N_("A trip has no stop times."),
    "unused_route": N_("A route has no trips."),
    "unused_shape": N_("A shape (the drawn path of a line) is used by no trip."),
    "unused_stop": N_("A stop is served by no trip."),
    "unused_station": N_("A station has no stop that belongs to it."),
    "unused_parent_station": N_("A station is referred to as parent by no stop."),
    "stop_without_stop_time": N_("A stop is served by no trip."),
    "stop_without_location": N_("A stop has no coordinates."),
    "stop_without_zone_id": N_("A stop has no fare zone although fares use zones."),
    "missing_stop_name": N_("A stop has no name, so travellers cannot recognise it."),
    "station_with_parent_station": N_("A station itself has a parent station, which the standard forbids."),
    "wrong_parent_location_type": N_("A stop's parent is not a station (or a platform's parent is not the right kind of place)."),
    "platform_without_parent_station": N_("A platform does not say which station it belongs to."),
    "location_without_parent_station": N_("An entrance, node or boarding area does not say which station it belongs to."),
    "same_name_and_description_for_stop": N_("A stop's description only repeats its name."),
    "same_name_and_description_for_route": N_("A route's description only repeats its name."),
    "route_both_short_and_long_name_missing": N_("A route has neither a short nor a long name."),
    "route_short_name_too_long": N_("A route's short name is long; it should be a short label such as a line number."),
    "route_long_name_contains_short_name": N_("A route's long name repeats its short name."),
    "route_color_contrast": N_("The route's text colour is hard to read on its background colour."),
    "same_route_and_agency_url": N_("A route's web page is just the agency's home page."),
    "same_stop_and_agency_url": N_("A stop's web page is just the agency's home page."),
    "same_stop_and_route_url": N_("A stop's web page is just the route's web page."),
    "fast_travel_between_consecutive_stops": N_(
        "The timetable makes a vehicle travel implausibly fast between two consecutive stops: usually a wrong time or a "
        "misplaced stop."
    ),
    "fast_travel_between_far_stops": N_("The timetable makes a vehicle travel implausibly fast between two distant stops."),
    "stop_too_far_from_shape": N_("A stop lies far from the drawn path of its trip: the stop or the shape is misplaced."),
    "stop_too_far_from_shape_using_user_distance": N_(
        "A stop lies far from its trip's drawn path at the distance the feed declares."
    ),
    "stops_match_shape_out_of_order": N_("The stops of a trip do not follow the order of its drawn path."),
    "stop_has_too_many_matches_for_shape": N_("A stop matches several places along its trip's drawn path."),
    "stop_time_with_arrival_before_previous_departure_time": N_("A vehicle arrives at a stop before it left the previous one."),
    "stop_time_with_only_arrival_or_departure_time": N_("A stop time gives an arrival without a departure, or the reverse."),
    "stop_time_timepoint_without_times": N_("A stop marked as an exact timing point has no time."),
    "missing_trip_edge": N_("The first or last stop of a trip has no time."),
    "decreasing_or_equal_stop_time_distance": N_("The distance travelled does not increase along a trip."),
    "decreasing_shape_distance": N_("The distance travelled does not increase along a shape."),
    "equal_shape_distance_diff_coordinates": N_("Two points of a shape have the same distance but different places."),
    "equal_shape_distance_same_coordinates": N_("A shape repeats the same point."),
    "single_shape_point": N_("A shape has only one point, so no path can be drawn."),
    "block_trips_with_overlapping_stop_times": N_("Two trips run by the same vehicle (block) overlap in time."),
    "overlapping_frequency": N_("Two frequency periods of the same trip overlap."),
    "point_near_origin": N_("A place has coordinates near 0,0 (in the ocean off Africa): almost certainly missing coordinates."),
    "point_near_pole": N_("A place has coordinates near a pole: almost certainly wrong coordinates."),
    "transfer_distance_too_large": N_("A transfer joins two stops that are very far apart."),
    "transfer_distance_above_2_km": N_("A transfer joins two stops more than 2 km apart."),
    "transfer_with_invalid_stop_location_type": N_("A transfer refers to a place that cannot be a transfer point."),
    "pathway_unreachable_location": N_("A place inside a station cannot be reached by its pathways."),
    "pathway_dangling_generic_node": N_("A pathway node leads nowhere."),
    "pathway_loop": N_("A pathway starts and ends at the same place."),
    "translation_foreign_key_violation": N_("A translation refers to a record that does not exist."),
    "translation_unexpected_value": N_("A translation row has a value where none is expected."),
    "attribution_without_role": N_("An attribution does not say whether the organisation is producer, operator or authority."),
    "non_ascii_or_non_printable_char": N_("An identifier contains unusual characters."),
    "mixed_case_recommended_field": N_("A value mixes upper and lower case in an unusual way."),
    "missing_bike_allowance": N_("Trips do not say whether bikes are allowed."),
    "missing_timepoint_value": N_("Stop times do not say whether their times are exact or estimated."),
    "future_feed": N_("The feed only starts in the future."),
    "service_extends_far_in_the_future": N_("Service runs suspiciously far into the future."),
    "i_o_error": N_("The feed file could not be read."),
    "runtime_exception_in_loader_error": N_("The validator failed while reading a file; the file may be malformed."),
    "runtime_exception_in_validator_error": N_("A check of the validator failed; its findings may be incomplete."),
    "thread_execution_error": N_("The validator failed while running; its findings may be incomplete."),
    "too_many_rows": N_("A file has more rows than the validator can handle."),
    # --- the pool's own checks: zip inspection (prescreen), reading, engine ---
    "feed_download_failed": N_("The feed could not be downloaded from its address."),
    "feed_file_missing": N_("The feed file to validate does not exist."),
    "feed_file_empty": N_("The feed file received is empty (0 bytes)."),
    "invalid_zip_file": N_("The file received is not a readable zip archive, so it cannot be a GTFS feed."),
    "zip_too_many_members": N_("The zip archive holds far more files than a GTFS feed should; it was not unpacked."),
    "zip_uncompressed_size_too_large": N_(
        "Once unzipped, the feed would be far larger than the pool accepts; it was not unpacked."
    ),
    "zip_compression_ratio_too_high": N_("The zip compresses suspiciously well (a possible zip bomb); it was not unpacked."),
    "zip_unsafe_member_name": N_("A file inside the zip has an unsafe name (an absolute path, or going up with ..)."),
    "zip_member_encrypted": N_("A file inside the zip is password-protected, so it cannot be read."),
    "folder_unsafe_entry": N_("The feed folder contains an entry that is unsafe to read (a link or a special file)."),
    "feed_in_subfolder": N_("The GTFS files are inside a folder of the zip instead of at its root."),
    "junk_member": N_("The zip contains files that are not part of a feed (system or editor files); they are ignored."),
    "file_not_utf8": N_("A file is not encoded in UTF-8, so accented names may be garbled."),
    "rows_with_wrong_field_count": N_("Some rows have more or fewer values than the header; they were padded or cut to be read."),
    "file_unreadable": N_("A file could not be read at all."),
    "feed_unreadable": N_("No file of the feed could be read."),
    "engine_failure": N_(
        "The canonical validator failed on this feed (crash, time or memory limit), so its rules could not be checked."
    ),
    "own_rule_failed": N_("One of the pool's own checks failed to run on this feed; its findings are missing."),
    # --- the pool's own rules, where the canonical set is silent ---
    "stop_too_far_from_parent_station": N_("A stop is far from the station it belongs to: the stop or the station is misplaced."),
    "parent_station_coordinates_suspect": N_(
        "A station lies far from all of its stops: its own coordinates are probably wrong (zero, swapped or mistyped)."
    ),
    "stop_too_close_to_another_stop": N_("Two stops are only a few metres apart: probably the same stop entered twice."),
    "stop_outside_region": N_("A stop lies outside the region's area: its coordinates are probably wrong."),
    "feed_service_ends_soon": N_("The timetable ends soon: the operator should send a new version before then."),
    "feed_expired": N_("The timetable has ended: travellers get no departures from this version."),
    "feed_not_updated": N_("The feed has not changed for a long time: check that it is still maintained."),
    "calendar_covers_single_day": N_(
        "A service of calendar.txt runs on one day only; calendar_dates.txt is the usual place for that."
    ),
    "route_network_conflict": N_("A route is given to two different networks (in routes.txt and route_networks.txt)."),
    "fare_product_ambiguous_rider_category": N_(
        "A fare product has several default rider categories, so the default price is ambiguous."
    ),
    "duplicate_primary_key": N_(
        "The same identifier is used twice in a file, so a journey planner cannot tell the two rows apart."
    ),
    "reference_not_found": N_("A row refers to something (a stop, a route, a trip, a service...) that the feed does not define."),
    # --- the region's expectations (Great Expectations suites) ---
    "region_stop_outside_bbox": N_("A stop lies outside the region's bounding box: its coordinates are probably wrong."),
    "region_coordinate_out_of_range": N_("A stop's latitude or longitude is outside the possible range."),
    "region_missing_id": N_("An identifier the region requires is empty."),
    "region_duplicate_id": N_("An identifier that must be unique is used more than once."),
    "region_invalid_time": N_("A time is not written as HH:MM:SS."),
    "region_invalid_date": N_("A date is not written as YYYYMMDD."),
    "region_end_date_before_start_date": N_("A service ends before it starts."),
    "region_calendar_ends_soon": N_("The calendar does not run far enough ahead for the region's planning needs."),
    "region_invalid_stop_sequence": N_("A stop sequence is not a whole number of zero or more."),
    "region_invalid_route_type": N_("A route type is not one the region accepts."),
    "region_invalid_location_type": N_("A location type is not one the standard defines."),
    "region_expectation_error": N_("One of the region's expectations could not be evaluated on this feed."),
}

SEVERITY_EXPLANATIONS: dict[str, str] = {
    "ERROR": N_("Errors break the feed for journey planners; a version with an error that is not waived is blocked."),
    "WARNING": N_("Warnings do not block, but they make the information given to travellers worse."),
    "INFO": N_("Information: remarks that may be worth a look."),
}

SCORE_COMPONENTS: dict[str, str] = {
    "compliance": N_("How few errors and warnings the feed has for its size (findings per thousand rows)."),
    "freshness": N_("How far ahead the timetable runs and how recently the operator updated it."),
    "availability": N_("How reliably the feed could be downloaded from its address over the recent window."),
    "completeness": N_("Whether the recommended files and fields (feed contact, shapes, stop names...) are present."),
}


@cache
def _canonical_summaries() -> dict[str, str]:
    """gtfs-guru's one-line summaries of the canonical codes (empty if unavailable)."""
    try:
        import gtfs_guru

        return {code: str(spec.get("shortSummary") or "") for code, spec in gtfs_guru.notice_schema().items()}
    except Exception:  # a missing summary only costs the fallback sentence
        return {}


def explain(code: str, message: str | None = None, words: Words | None = None) -> str:
    """The plain-language explanation of `code` in the language of `words` (English without):
    ours, else the canonical rule's summary (the validator's English), else a sentence built from
    the finding's own message (or its code)."""
    words = words or Words()
    if code in EXPLANATIONS:
        return words.say(EXPLANATIONS[code])
    summary = _canonical_summaries().get(code)
    if summary:
        return summary
    if message and str(message).strip():
        return words.say(N_("No explanation is recorded for this code yet; the first finding says: %(message)s"),
                         message=str(message).strip())
    return words.say(N_("Finding %(code)s (no explanation recorded for this code yet)."), code=code.replace("_", " "))


def explain_component(name: str, words: Words | None = None) -> str:
    words = words or Words()
    if name in SCORE_COMPONENTS:
        return words.say(SCORE_COMPONENTS[name])
    return words.say(N_("The %(name)s part of the score (0 to 100)."), name=name.replace("_", " "))
