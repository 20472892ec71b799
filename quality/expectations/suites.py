"""The suites: one per GTFS table, each a list of rules (a GX expectation with its notice code).

Suites (rule name -> expectation; * marks GX severity "critical", reported as ERROR; the others
are GX "warning", reported as WARNING):
- stops: stop_id_not_null*, stop_id_unique*, stop_lat_valid, stop_lon_valid (-90..90, -180..180),
  stop_lat_in_region / stop_lon_in_region (inside the bbox, mostly 99 %, only with a bbox),
  location_type_valid (0-4 or empty).
- routes: route_id_unique*, route_type_valid (basic 0-7, 11, 12 or an extended type 100-1702).
- trips: trip_id_unique*, trip_route_id_not_null*, trip_service_id_not_null*.
- stop_times: arrival_time_format, departure_time_format (H:MM:SS up to HHH:MM:SS, or empty),
  stop_sequence_non_negative_integer.
- calendar: start_date_format, end_date_format (YYYYMMDD), end_date_not_before_start_date
  (column pair), and calendar_valid_ahead (latest end_date at least
  `thresholds.min_days_valid_ahead` days after `validation_date`, only when one is given).

GX sees nulls as missing and skips them in every check but not_be_null, so empty GTFS values are
handed over as nulls: "or empty" comes for free. Coordinates and dates are compared as numbers
(`pd.to_numeric(errors="coerce")`); a value that is not a number at all becomes null here and is
left to the canonical rules (invalid_float, invalid_date), which report it as an ERROR. Each frame
is indexed by `_row`, so the rows GX reports as unexpected are CSV row numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from quality.config import RuleThresholds
from quality.expectations.gx_context import import_gx
from quality.notices import Severity
from regie.config.operators import BoundingBox
from regie.gtfs.feed_tables import ROW

BBOX_MOSTLY = 0.99
"""Share of stops that must lie inside the region's box (a cross-border line may leave it)."""

# [0-9], not \d: GTFS digits are ASCII, and on a pyarrow string column pandas scans every value
# for non-ASCII text before it may use pyarrow's regex for \d (Python's \d takes any Unicode digit)
TIME_REGEX = r"^[0-9]{1,3}:[0-9]{2}:[0-9]{2}$"
DATE_REGEX = r"^[0-9]{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])$"
NON_NEGATIVE_INTEGER_REGEX = r"^[0-9]+$"
BASIC_ROUTE_TYPES = (0, 1, 2, 3, 4, 5, 6, 7, 11, 12)
EXTENDED_ROUTE_TYPES = (
    *range(100, 118), *range(200, 210), *range(400, 406), *range(700, 717), 800, *range(900, 907),
    1000, 1100, 1200, *range(1300, 1308), 1400, *range(1500, 1508), *range(1700, 1703),
)
"""Google's extended route types (railway 100-117 ... miscellaneous 1700-1702)."""
LOCATION_TYPES = ("0", "1", "2", "3", "4")

NUMBER_SUFFIX = "__number"
"""Suffix of the numeric copy of a text column handed to GX."""
_SEVERITIES = {"critical": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}


@dataclass(frozen=True)
class Rule:
    """One expectation with what a notice needs: a stable name and code, the GTFS field."""

    name: str
    code: str
    field: str
    description: str
    expectation: Any  # a great_expectations.expectations.Expectation, its meta {"rule": name}

    @property
    def severity(self) -> Severity:
        """From GX's own expectation severity: critical -> ERROR, warning -> WARNING, info -> INFO."""
        return _SEVERITIES[str(getattr(self.expectation.severity, "value", self.expectation.severity))]

    @property
    def columns(self) -> tuple[str, ...]:
        kwargs = self.expectation.configuration.kwargs
        return tuple(kwargs[key] for key in ("column", "column_A", "column_B") if kwargs.get(key))


@dataclass(frozen=True)
class TableSpec:
    """The columns a suite reads: as text, and as numbers."""

    text: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()


TABLES: dict[str, TableSpec] = {
    "stops": TableSpec(text=("stop_id", "location_type"), numeric=("stop_lat", "stop_lon")),
    "routes": TableSpec(text=("route_id", "route_type")),
    "trips": TableSpec(text=("trip_id", "route_id", "service_id")),
    "stop_times": TableSpec(text=("arrival_time", "departure_time", "stop_sequence")),
    "calendar": TableSpec(text=("start_date", "end_date"), numeric=("start_date", "end_date")),
}
"""The columns each suite reads: as text (empty -> null) and as numbers (`<field>__number`)."""


def _yyyymmdd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def build_rules(
    table: str, *, bbox: BoundingBox | None, thresholds: RuleThresholds, validation_date: date | None = None
) -> list[Rule]:
    """The rules of one table's suite, for this region and configuration."""
    import_gx()
    import great_expectations.expectations as gxe
    from great_expectations.expectations.metadata_types import FailureSeverity

    def rule(name: str, code: str, fld: str, description: str, expectation: Any, critical: bool = False) -> Rule:
        expectation.meta = {"rule": name}
        expectation.severity = FailureSeverity.CRITICAL if critical else FailureSeverity.WARNING
        return Rule(name, code, fld, description, expectation)

    if table == "stops":
        rules = [
            rule("stop_id_not_null", "region_missing_id", "stop_id", "stop_id must be filled",
                 gxe.ExpectColumnValuesToNotBeNull(column="stop_id"), critical=True),
            rule("stop_id_unique", "region_duplicate_id", "stop_id", "stop_id must be unique",
                 gxe.ExpectColumnValuesToBeUnique(column="stop_id"), critical=True),
            rule("stop_lat_valid", "region_coordinate_out_of_range", "stop_lat", "stop_lat must be between -90 and 90",
                 gxe.ExpectColumnValuesToBeBetween(column="stop_lat" + NUMBER_SUFFIX, min_value=-90, max_value=90)),
            rule("stop_lon_valid", "region_coordinate_out_of_range", "stop_lon", "stop_lon must be between -180 and 180",
                 gxe.ExpectColumnValuesToBeBetween(column="stop_lon" + NUMBER_SUFFIX, min_value=-180, max_value=180)),
        ]
        if bbox is not None:
            rules += [
                rule("stop_lat_in_region", "region_stop_outside_bbox", "stop_lat",
                     f"at least {BBOX_MOSTLY:.0%} of stops must have stop_lat inside the region "
                     f"({bbox.min_lat:g}..{bbox.max_lat:g})",
                     gxe.ExpectColumnValuesToBeBetween(column="stop_lat" + NUMBER_SUFFIX, min_value=bbox.min_lat,
                                                       max_value=bbox.max_lat, mostly=BBOX_MOSTLY)),
                rule("stop_lon_in_region", "region_stop_outside_bbox", "stop_lon",
                     f"at least {BBOX_MOSTLY:.0%} of stops must have stop_lon inside the region "
                     f"({bbox.min_lon:g}..{bbox.max_lon:g})",
                     gxe.ExpectColumnValuesToBeBetween(column="stop_lon" + NUMBER_SUFFIX, min_value=bbox.min_lon,
                                                       max_value=bbox.max_lon, mostly=BBOX_MOSTLY)),
            ]
        rules.append(rule("location_type_valid", "region_invalid_location_type", "location_type",
                          "location_type must be 0, 1, 2, 3, 4 or empty",
                          gxe.ExpectColumnValuesToBeInSet(column="location_type", value_set=list(LOCATION_TYPES))))
        return rules
    if table == "routes":
        route_types = [str(value) for value in (*BASIC_ROUTE_TYPES, *EXTENDED_ROUTE_TYPES)]
        return [
            rule("route_id_unique", "region_duplicate_id", "route_id", "route_id must be unique",
                 gxe.ExpectColumnValuesToBeUnique(column="route_id"), critical=True),
            rule("route_type_valid", "region_invalid_route_type", "route_type",
                 "route_type must be a basic (0-7, 11, 12) or an extended (100-1702) route type",
                 gxe.ExpectColumnValuesToBeInSet(column="route_type", value_set=route_types)),
        ]
    if table == "trips":
        return [
            rule("trip_id_unique", "region_duplicate_id", "trip_id", "trip_id must be unique",
                 gxe.ExpectColumnValuesToBeUnique(column="trip_id"), critical=True),
            rule("trip_route_id_not_null", "region_missing_id", "route_id", "every trip must name its route_id",
                 gxe.ExpectColumnValuesToNotBeNull(column="route_id"), critical=True),
            rule("trip_service_id_not_null", "region_missing_id", "service_id", "every trip must name its service_id",
                 gxe.ExpectColumnValuesToNotBeNull(column="service_id"), critical=True),
        ]
    if table == "stop_times":
        return [
            rule("arrival_time_format", "region_invalid_time", "arrival_time",
                 "arrival_time must be H:MM:SS (hours up to 3 digits) or empty",
                 gxe.ExpectColumnValuesToMatchRegex(column="arrival_time", regex=TIME_REGEX)),
            rule("departure_time_format", "region_invalid_time", "departure_time",
                 "departure_time must be H:MM:SS (hours up to 3 digits) or empty",
                 gxe.ExpectColumnValuesToMatchRegex(column="departure_time", regex=TIME_REGEX)),
            rule("stop_sequence_non_negative_integer", "region_invalid_stop_sequence", "stop_sequence",
                 "stop_sequence must be a non-negative integer",
                 gxe.ExpectColumnValuesToMatchRegex(column="stop_sequence", regex=NON_NEGATIVE_INTEGER_REGEX)),
        ]
    if table == "calendar":
        rules = [
            rule("start_date_format", "region_invalid_date", "start_date", "start_date must be a YYYYMMDD date",
                 gxe.ExpectColumnValuesToMatchRegex(column="start_date", regex=DATE_REGEX)),
            rule("end_date_format", "region_invalid_date", "end_date", "end_date must be a YYYYMMDD date",
                 gxe.ExpectColumnValuesToMatchRegex(column="end_date", regex=DATE_REGEX)),
            rule("end_date_not_before_start_date", "region_end_date_before_start_date", "end_date",
                 "end_date must not be before start_date",
                 gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                     column_A="end_date" + NUMBER_SUFFIX, column_B="start_date" + NUMBER_SUFFIX, or_equal=True,
                     ignore_row_if="either_value_is_missing")),
        ]
        if validation_date is not None:
            horizon = validation_date + timedelta(days=thresholds.min_days_valid_ahead)
            rules.append(rule(
                "calendar_valid_ahead", "region_calendar_ends_soon", "end_date",
                f"the latest end_date must be on or after {horizon.isoformat()} "
                f"({thresholds.min_days_valid_ahead} days after {validation_date.isoformat()})",
                gxe.ExpectColumnMaxToBeBetween(column="end_date" + NUMBER_SUFFIX, min_value=_yyyymmdd(horizon))))
        return rules
    raise KeyError(f"no expectation suite for table {table!r} (known: {', '.join(TABLES)})")


def prepare_frame(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The columns a suite reads, indexed by `_row`: text with "" as null, numbers coerced."""
    data: dict[str, pd.Series] = {}
    for column in spec.text:
        if column in frame.columns:
            values = frame[column]
            empty = (values == "").to_numpy()
            data[column] = values.where(~empty) if empty.any() else values  # (no copy when none is empty)
    for column in spec.numeric:
        if column in frame.columns:
            data[column + NUMBER_SUFFIX] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    prepared = pd.DataFrame(data, index=frame.index)
    prepared.index = pd.Index(frame[ROW].to_numpy())  # unnamed: GX then reports plain row numbers
    return prepared
