"""MobilityData's canonical rules through gtfs-guru, mapped to our notice records (in-process).

`quality.engine` runs `canonical_records` in a child process with memory and time limits; call
`canonical_notices` directly only on trusted input (tests, the reference comparison). This module
imports neither pandas nor pyarrow at the top, so the child stays small.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing: the engine's child imports this module at each start
if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path
    from typing import Any

ENGINE_NAME = "gtfs-guru"

# Notices whose file gtfs-guru leaves implicit (the file whose row the notice's csvRowNumber is).
_IMPLIED_FILE = {
    "stop_without_stop_time": "stops.txt",
    "stop_without_zone_id": "stops.txt",
    "missing_bike_allowance": "trips.txt",
    "trip_coverage_not_active_for_next7_days": "trips.txt",
    "stop_too_far_from_shape": "stop_times.txt",
    "stop_too_far_from_shape_using_user_distance": "stop_times.txt",
    "stops_match_shape_out_of_order": "stop_times.txt",
    "fast_travel_between_consecutive_stops": "stop_times.txt",
    "fast_travel_between_far_stops": "stop_times.txt",
    "unsorted_stop_times": "stop_times.txt",
    "equal_shape_distance_diff_coordinates": "shapes.txt",
    "equal_shape_distance_diff_coordinates_distance_below_threshold": "shapes.txt",
    "equal_shape_distance_same_coordinates": "shapes.txt",
    "decreasing_shape_distance": "shapes.txt",
    "route_long_name_contains_short_name": "routes.txt",
    "route_short_name_too_long": "routes.txt",
    "same_name_and_description_for_route": "routes.txt",
    "missing_feed_contact_email_and_url": "feed_info.txt",
    "expired_calendar": "calendar.txt",
    "stop_time_with_arrival_before_previous_departure_time": "stop_times.txt",
    "stop_time_timepoint_without_times": "stop_times.txt",
    "missing_trip_edge": "stop_times.txt",
    "feed_expiration_date7_days": "feed_info.txt",
    "feed_expiration_date30_days": "feed_info.txt",
}


def engine_version() -> str:
    import gtfs_guru

    version = gtfs_guru.version
    return version() if callable(version) else str(version)


def _record(notice: Any) -> dict[str, Any]:
    """Location from the notice itself first, then from its context (gtfs-guru fills either)."""
    code, context = notice.code, dict(notice.context() or {})
    row = notice.row if notice.row is not None else context.get("csvRowNumber", context.get("newCsvRowNumber"))
    return {
        "code": code,
        "severity": str(notice.severity),
        "source": "canonical",
        "file": notice.file or context.get("filename") or context.get("childFilename") or _IMPLIED_FILE.get(code),
        "row": int(row) if isinstance(row, int | float) else None,
        "field": notice.field or context.get("fieldName"),
        "message": notice.message,
        "context": context,
    }


def canonical_records(path: Path | str, validation_date: date, country_code: str | None = None) -> list[dict[str, Any]]:
    """Every canonical notice of the feed at `path`, as notice records (NOTICE_COLUMNS keys)."""
    import gtfs_guru

    result = gtfs_guru.validate(str(path), country_code=country_code, date=validation_date.isoformat())
    return [_record(n) for n in result.notices]


def canonical_notices(path: Path, validation_date: date, country_code: str | None = None):
    """Every canonical notice of the feed at `path`, as a notice frame."""
    from quality.notices import notices_frame  # lazy: the engine's child never loads pandas

    return notices_frame(canonical_records(path, validation_date, country_code))
