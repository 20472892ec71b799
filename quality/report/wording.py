"""The score and the findings in words, in the page's language: each score part with its figures
in units and what raises it, and each finding's samples as a table with labelled columns in a
fixed order and rounded numbers (never a raw structure, never a camelCase key=value pair)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from regie.pages.i18n import N_, N_plural
from regie.pages.words import Words

COMPONENT_NAMES = {"compliance": N_("Compliance"), "freshness": N_("Freshness"),
                   "availability": N_("Availability"), "completeness": N_("Completeness")}

# The columns of a finding's samples: context key -> (label, decimals for numbers; None: 2, or none
# for a whole number), in the order shown.
SAMPLE_COLUMNS: dict[str, tuple[str, int | None]] = {
    "filename": (N_("File"), None),
    "csvRowNumber": (N_("Row"), None),
    "fieldName": (N_("Field"), None),
    "fieldValue": (N_("Value"), None),
    "agencyId": (N_("Agency"), None),
    "routeId": (N_("Route"), None),
    "routeShortName": (N_("Route name"), None),
    "tripId": (N_("Trip"), None),
    "serviceId": (N_("Service"), None),
    "shapeId": (N_("Shape"), None),
    "stopId": (N_("Stop"), None),
    "stop_id": (N_("Stop"), None),
    "stopName": (N_("Stop name"), None),
    "stop_name": (N_("Stop name"), None),
    "stopId1": (N_("From stop"), None),
    "stopName1": (N_("From stop name"), None),
    "departureTime1": (N_("Departure"), None),
    "stopId2": (N_("To stop"), None),
    "stopName2": (N_("To stop name"), None),
    "arrivalTime2": (N_("Arrival"), None),
    "other_stop_id": (N_("Other stop"), None),
    "parentStation": (N_("Parent station"), None),
    "parent_station": (N_("Parent station"), None),
    "distanceKm": (N_("Distance (km)"), 1),
    "distance_m": (N_("Distance (m)"), 0),
    "geoDistanceToShape": (N_("Distance to the shape (m)"), 0),
    "speedKph": (N_("Speed (km/h)"), 0),
    "stopLocation": (N_("Stop position"), 5),
    "match": (N_("Nearest point of the shape"), 5),
    "stopSequence1": (N_("From stop sequence"), None),
    "stopSequence2": (N_("To stop sequence"), None),
    "tripCsvRowNumber": (N_("Row in trips.txt"), None),
    "stopTimeCsvRowNumber": (N_("Row in stop_times.txt"), None),
    "csvRowNumber1": (N_("First row"), None),
    "csvRowNumber2": (N_("Second row"), None),
    "route_id": (N_("Route"), None),
    "trip_id": (N_("Trip"), None),
    "service_id": (N_("Service"), None),
    "shape_id": (N_("Shape"), None),
    "from_stop_id": (N_("From stop"), None),
    "to_stop_id": (N_("To stop"), None),
    "stop_id_other": (N_("Other stop"), None),
    "childFilename": (N_("File"), None),
    "childFieldName": (N_("Field"), None),
    "parentFilename": (N_("Referenced file"), None),
    "parentFieldName": (N_("Referenced field"), None),
    "parent_row": (N_("Row of the parent"), None),
    "lat": (N_("Latitude"), 5),
    "lon": (N_("Longitude"), 5),
    "detour_m": (N_("Detour (m)"), 0),
    "spread_m": (N_("Spread (m)"), 0),
    "speed_kmh": (N_("Speed (km/h)"), 0),
    "threshold_m": (N_("Threshold (m)"), 0),
    "last_day": (N_("Last day"), None),
    "message": (N_("Detail"), None),
}
LOCATION_KEYS = frozenset({"filename", "csvRowNumber", "fieldName"})
HIDDEN_SAMPLE_KEYS = frozenset({"waived", "waiver", "shapePath", "matchIndex"})
"""Sample keys never shown as a column (waivers have their own; a shape's path is a long list)."""
MAX_LIST_ITEMS = 4

ADVICE: dict[str, str] = {
    "fast_travel_between_consecutive_stops": N_("Check the stops' coordinates and the trip's times in stop_times.txt."),
    "fast_travel_between_far_stops": N_("Check the stops' coordinates and the trip's times in stop_times.txt."),
    "stop_too_far_from_shape": N_("Move the stop to its real place in stops.txt, or correct the trip's shape."),
    "stop_outside_region": N_("Correct the stop's coordinates in stops.txt (latitude and longitude may be swapped)."),
    "region_stop_outside_bbox": N_("Correct the stop's coordinates in stops.txt (latitude and longitude may be swapped)."),
    "feed_expired": N_("Send a version of the timetable that covers the coming months."),
    "feed_service_ends_soon": N_("Send a version of the timetable that covers the coming months."),
    "expired_calendar": N_("Remove the services that have ended from calendar.txt."),
    "missing_recommended_field": N_("Fill the field named in each row below."),
    "missing_recommended_file": N_("Add the file named below to the feed."),
    "missing_feed_contact_email_and_url": N_("Add feed_contact_email or feed_contact_url to feed_info.txt."),
    "unused_stop": N_("Remove the stops no trip serves, or add the trips that serve them."),
    "unused_shape": N_("Remove the shapes no trip uses."),
    "foreign_key_violation": N_("Add the missing record, or correct the identifier that refers to it."),
    "duplicate_key": N_("Give each row its own identifier."),
    "stop_too_close_to_another_stop": N_("Merge the two stops if they are the same place."),
    "stop_too_far_from_parent_station": N_("Move the stop or its station to the right place in stops.txt."),
    "parent_station_coordinates_suspect": N_("Correct the station's coordinates in stops.txt."),
    "unknown_column": N_("Nothing to do if the column is yours on purpose; it is ignored."),
    "route_color_contrast": N_("Choose route_text_color to contrast with route_color."),
}
"""What to do about a finding, for the codes that real feeds trip most often."""

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def key_words(key: str) -> str:
    """A context key in words: "stopSequence1" -> "stop sequence 1", "shape_dist" -> "shape dist"."""
    text = _CAMEL.sub(" ", key).replace("_", " ")
    text = re.sub(r"(?<=[a-z])(?=\d)", " ", text)
    return text[:1].upper() + text[1:].lower()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def cell(value: Any, digits: int | None, words: Words) -> str:
    """A sample value as text: numbers rounded to `digits` (None: whole numbers as they are, others
    to 2 decimals), a pair of coordinates "lat, lon" (5 decimals, about a metre), a short list
    joined, a long one counted, nothing for a missing value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return words.value(value)
    if isinstance(value, int):
        return str(value)  # ids and row numbers: no grouping
    if isinstance(value, float):
        return words.number(value, digits if digits is not None else (0 if value.is_integer() else 2))
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(_is_number(item) for item in value):
            return ", ".join(words.number(float(item), 5) for item in value)
        if len(value) > MAX_LIST_ITEMS:
            return words.say_n(N_plural("%(count)s item", "%(count)s items"), len(value))
        return ", ".join(cell(item, digits, words) for item in value)
    if isinstance(value, Mapping):
        return words.say_n(N_plural("%(count)s item", "%(count)s items"), len(value))
    return str(value)


def sample_table(samples: Sequence[Mapping[str, Any]], code: str, words: Words) -> dict[str, Any]:
    """The samples of one finding as {"columns": [labels], "rows": [{"cells": [...], "waived",
    "waiver"}]}: the known keys in SAMPLE_COLUMNS order, then the others alphabetically; a column
    only when some sample has a value in it; the message (the rule's own English words) only when
    no other column than file, row and field says what it says, and it says more than the code."""
    present: set[str] = set()
    for sample in samples:
        for key, value in sample.items():
            if key in HIDDEN_SAMPLE_KEYS or value is None or value == "" or value == []:
                continue
            if key == "message" and _plain_message(str(value), code):
                continue
            present.add(key)
    if present - LOCATION_KEYS - {"message"}:
        present.discard("message")  # the columns say what the message says, in the page's language
    order = [key for key in SAMPLE_COLUMNS if key in present] + sorted(present - set(SAMPLE_COLUMNS))
    labels = [words.say(SAMPLE_COLUMNS[key][0]) if key in SAMPLE_COLUMNS else key_words(key) for key in order]
    rows = []
    for sample in samples:
        cells = []
        for key in order:
            value = sample.get(key)
            if key == "message" and value is not None and _plain_message(str(value), code):
                value = None
            cells.append(cell(value, SAMPLE_COLUMNS[key][1] if key in SAMPLE_COLUMNS else None, words))
        rows.append({"cells": cells, "waived": bool(sample.get("waived")), "waiver": sample.get("waiver")})
    return {"columns": labels, "rows": rows}


def _plain_message(message: str, code: str) -> bool:
    """True when a message only repeats its code ("fast travel between consecutive stops")."""
    return message.strip().lower().rstrip(".") in ("", code.replace("_", " "))


def advice(code: str, words: Words) -> str | None:
    return words.say(ADVICE[code]) if code in ADVICE else None


# --- the score ---------------------------------------------------------------------------------

def _get(mapping: Any, key: str, default: Any = None) -> Any:
    return mapping.get(key, default) if isinstance(mapping, Mapping) else default


def component_lines(name: str, figures: Mapping[str, Any], words: Words) -> tuple[list[str], list[str]]:
    """(what the figures say, what to do to raise the part) for score part `name`."""
    describe = {"compliance": _compliance, "freshness": _freshness, "availability": _availability,
                "completeness": _completeness}.get(name)
    if describe is None:
        return [], []
    return describe(figures, words)


def _compliance(figures: Mapping[str, Any], words: Words) -> tuple[list[str], list[str]]:
    found = _get(figures, "findings", {})
    errors, warnings, infos = (int(_get(found, key, 0) or 0) for key in ("ERROR", "WARNING", "INFO"))
    rows = int(_get(figures, "rows", 0) or 0)
    per_thousand = _get(figures, "findings_per_thousand_rows", {})
    penalty = _get(figures, "penalty", {})
    points = _get(figures, "penalty_per_finding_per_thousand", {})
    lines = [words.say(N_("Findings not waived: %(errors)s errors, %(warnings)s warnings and %(infos)s "
                          "information notes, in %(rows)s rows of data."),
                       errors=errors, warnings=warnings, infos=infos, rows=rows)]
    total_per_thousand = sum(float(_get(per_thousand, key, 0) or 0) for key in ("ERROR", "WARNING", "INFO"))
    total_penalty = sum(float(_get(penalty, key, 0) or 0) for key in ("ERROR", "WARNING", "INFO"))
    lines.append(words.say(N_("That is %(per_thousand)s findings per thousand rows; per finding per thousand "
                              "rows an error takes off %(error_points)s points and a warning %(warning_points)s: "
                              "%(penalty)s points off in all (the part cannot go below 0)."),
                           per_thousand=total_per_thousand, error_points=float(_get(points, "ERROR", 0) or 0),
                           warning_points=float(_get(points, "WARNING", 0) or 0), penalty=total_penalty,
                           digits={"per_thousand": 1, "error_points": 0, "warning_points": 0, "penalty": 1}))
    waived = int(_get(figures, "waived_excluded", 0) or 0)
    if waived:
        lines.append(words.say_n(N_plural("%(count)s waived finding is not counted.",
                                          "%(count)s waived findings are not counted."), waived))
    todo = []
    if errors or warnings:
        todo.append(words.say(N_("Fix the errors and warnings listed under Findings to raise compliance.")))
    return lines, todo


def _freshness(figures: Mapping[str, Any], words: Words) -> tuple[list[str], list[str]]:
    lines, todo = [], []
    end, days = _get(figures, "feed_end"), _get(figures, "days_until_expiry")
    full = int(_get(figures, "full_days_ahead", 0) or 0)
    if end is None or days is None:
        lines.append(words.say(N_("The feed has no service date, so it gives no validity ahead.")))
    elif int(days) < 0:
        lines.append(words.say(N_("Service ended on %(end)s, %(days)s days before the validation date."),
                               end=words.day(end), days=-int(days)))
    else:
        lines.append(words.say(N_("Service runs until %(end)s, %(days)s days after the validation date; "
                                  "%(full)s days ahead give the full mark."), end=words.day(end), days=int(days),
                               full=full))
    if days is None or int(days) < full:
        todo.append(words.say(N_("Publish a version whose service runs at least %(full)s days ahead to raise "
                                 "freshness."), full=full))
    since, stale = _get(figures, "days_since_change"), int(_get(figures, "stale_days", 0) or 0)
    if since is None:
        lines.append(words.say(N_("When the feed last changed is unknown, so freshness is the validity ahead "
                                  "alone.")))
    else:
        lines.append(words.say(N_("Last change %(days)s days before the validation date; after %(stale)s days "
                                  "without a change the recency mark is 0."), days=int(since), stale=stale))
        if int(since) > stale / 2:
            todo.append(words.say(N_("Update the feed when the timetable changes to keep it recent.")))
    return lines, todo


def _availability(figures: Mapping[str, Any], words: Words) -> tuple[list[str], list[str]]:
    window = int(_get(figures, "window_days", 0) or 0)
    fetches, successes = int(_get(figures, "fetches", 0) or 0), int(_get(figures, "successes", 0) or 0)
    if not fetches:
        return [words.say(N_("No download was recorded in the last %(window)s days: availability is left out of "
                             "the total and the other parts weigh more."), window=window)], []
    lines = [words.say(N_("%(successes)s of %(fetches)s downloads succeeded in the last %(window)s days."),
                       successes=successes, fetches=fetches, window=window)]
    todo = [words.say(N_("Keep the feed's address reachable: every failed download lowers availability."))] \
        if successes < fetches else []
    return lines, todo


COMPLETENESS_ITEMS = {
    "shapes": (N_("shapes.txt (the drawn path of each trip)"), N_("Add shapes.txt to raise completeness.")),
    "feed_info": (N_("feed_info.txt (publisher and contact)"), N_("Add feed_info.txt to raise completeness.")),
    "translations": (N_("translations.txt (names in other languages)"),
                     N_("Add translations.txt to raise completeness.")),
    "stops_wheelchair_boarding": (N_("stops with wheelchair boarding information"),
                                  N_("Fill wheelchair_boarding (1 or 2) in stops.txt to raise completeness.")),
    "trips_wheelchair_accessible": (N_("trips with wheelchair information"),
                                    N_("Fill wheelchair_accessible (1 or 2) in trips.txt to raise completeness.")),
}


def _completeness(figures: Mapping[str, Any], words: Words) -> tuple[list[str], list[str]]:
    items = _get(figures, "items", {})
    present: list[str] = []
    absent: list[str] = []
    shares: list[str] = []
    todo: list[str] = []
    for key, (label, action) in COMPLETENESS_ITEMS.items():
        value = _get(items, key)
        if value is None:
            continue
        if key.endswith(("_boarding", "_accessible")):
            shares.append(words.say(N_("%(share)s of %(what)s"), share=words.percent(100.0 * float(value)),
                                    what=words.say(label)))
        else:
            (present if float(value) >= 1 else absent).append(words.say(label))
        if float(value) < 1:
            todo.append(words.say(action))
    lines = []
    if present:
        lines.append(words.say(N_("Present: %(items)s."), items="; ".join(present)))
    if absent:
        lines.append(words.say(N_("Missing: %(items)s."), items="; ".join(absent)))
    if shares:
        lines.append(words.say(N_("Filled: %(items)s."), items="; ".join(shares)))
    return lines, todo


def weight_line(name: str, details: Mapping[str, Any], words: Words) -> str | None:
    weight = _get(_get(details, "effective_weights", {}), name)
    if weight is None:
        return None
    return words.say(N_("Weight in the total: %(weight)s."), weight=words.percent(100.0 * float(weight)))


def omitted_lines(details: Mapping[str, Any], words: Words) -> list[str]:
    return [words.say(N_("%(part)s is left out of the total: its figures are unknown."),
                      part=words.say(COMPONENT_NAMES.get(name, name))) for name in _get(details, "omitted", []) or []]
