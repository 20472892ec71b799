"""The region's expectations: Great Expectations 1.x suites written as code, one per GTFS table.

`run_expectations(feed, bbox=..., thresholds=...)` runs every suite whose table the feed has and
returns an `ExpectationRun`: one notice per failed expectation (source "expectations") and a
JSON-serialisable summary per suite for the Dagster check metadata.

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
left to the canonical rules (invalid_float, invalid_date), which report it as an ERROR. Rules whose
column the table lacks are skipped and listed as such in the summary (a missing required column
is a canonical notice too). Each frame is indexed by `_row`, so the rows GX reports as unexpected
are CSV row numbers.

Each suite runs in two passes: every rule on every row for pass or fail (GX's BOOLEAN_ONLY), then
the failed rules again for their counts, sample values and rows (SUMMARY): on a clean table GX
then skips building samples and row lists nobody reads (about a quarter of its time on HART).

GX runs in one ephemeral context per process, created on first use (never at import), without
progress bars, temporary docs site or kept results, its loggers quietened to WARNING unless the
application configured them.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from quality.config import RuleThresholds
from quality.notices import Severity, Source, notices_frame
from regie.config.operators import BoundingBox
from regie.gtfs.tables import ROW, FeedTables

BBOX_MOSTLY = 0.99
"""Share of stops that must lie inside the region's box (a cross-border line may leave it)."""
SAMPLES = 5
"""Unexpected values and rows quoted in a notice's context."""
ERROR_CODE = "region_expectation_error"
"""A suite's expectation could not be evaluated (GX raised): reported, never silently passed."""

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

_NUMBER = "__number"  # suffix of the numeric copy of a text column handed to GX
_PASS_FAIL = {"result_format": "BOOLEAN_ONLY"}
_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 2 * SAMPLES}
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
class ExpectationRun:
    """notices: notice frame (source "expectations"); summary: per suite (table name) evaluated,
    successful, success_percent, failed and skipped rule names, rows (JSON-serialisable)."""

    notices: pd.DataFrame
    summary: dict[str, dict[str, Any]]
    skipped_tables: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def success(self) -> bool:
        return all(not suite["failed"] for suite in self.summary.values())


@dataclass(frozen=True)
class _TableSpec:
    text: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()


TABLES: dict[str, _TableSpec] = {
    "stops": _TableSpec(text=("stop_id", "location_type"), numeric=("stop_lat", "stop_lon")),
    "routes": _TableSpec(text=("route_id", "route_type")),
    "trips": _TableSpec(text=("trip_id", "route_id", "service_id")),
    "stop_times": _TableSpec(text=("arrival_time", "departure_time", "stop_sequence")),
    "calendar": _TableSpec(text=("start_date", "end_date"), numeric=("start_date", "end_date")),
}
"""The columns each suite reads: as text (empty -> null) and as numbers (`<field>__number`)."""


# --- suites ---------------------------------------------------------------------------------

def _yyyymmdd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def build_rules(
    table: str, *, bbox: BoundingBox | None, thresholds: RuleThresholds, validation_date: date | None = None
) -> list[Rule]:
    """The rules of one table's suite, for this region and configuration."""
    _import_gx()
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
                 gxe.ExpectColumnValuesToBeBetween(column="stop_lat" + _NUMBER, min_value=-90, max_value=90)),
            rule("stop_lon_valid", "region_coordinate_out_of_range", "stop_lon", "stop_lon must be between -180 and 180",
                 gxe.ExpectColumnValuesToBeBetween(column="stop_lon" + _NUMBER, min_value=-180, max_value=180)),
        ]
        if bbox is not None:
            rules += [
                rule("stop_lat_in_region", "region_stop_outside_bbox", "stop_lat",
                     f"at least {BBOX_MOSTLY:.0%} of stops must have stop_lat inside the region "
                     f"({bbox.min_lat:g}..{bbox.max_lat:g})",
                     gxe.ExpectColumnValuesToBeBetween(column="stop_lat" + _NUMBER, min_value=bbox.min_lat,
                                                       max_value=bbox.max_lat, mostly=BBOX_MOSTLY)),
                rule("stop_lon_in_region", "region_stop_outside_bbox", "stop_lon",
                     f"at least {BBOX_MOSTLY:.0%} of stops must have stop_lon inside the region "
                     f"({bbox.min_lon:g}..{bbox.max_lon:g})",
                     gxe.ExpectColumnValuesToBeBetween(column="stop_lon" + _NUMBER, min_value=bbox.min_lon,
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
                     column_A="end_date" + _NUMBER, column_B="start_date" + _NUMBER, or_equal=True,
                     ignore_row_if="either_value_is_missing")),
        ]
        if validation_date is not None:
            horizon = validation_date + timedelta(days=thresholds.min_days_valid_ahead)
            rules.append(rule(
                "calendar_valid_ahead", "region_calendar_ends_soon", "end_date",
                f"the latest end_date must be on or after {horizon.isoformat()} "
                f"({thresholds.min_days_valid_ahead} days after {validation_date.isoformat()})",
                gxe.ExpectColumnMaxToBeBetween(column="end_date" + _NUMBER, min_value=_yyyymmdd(horizon))))
        return rules
    raise KeyError(f"no expectation suite for table {table!r} (known: {', '.join(TABLES)})")


def prepare_frame(frame: pd.DataFrame, spec: _TableSpec) -> pd.DataFrame:
    """The columns a suite reads, indexed by `_row`: text with "" as null, numbers coerced."""
    data: dict[str, pd.Series] = {}
    for column in spec.text:
        if column in frame.columns:
            values = frame[column]
            empty = (values == "").to_numpy()
            data[column] = values.where(~empty) if empty.any() else values  # (no copy when none is empty)
    for column in spec.numeric:
        if column in frame.columns:
            data[column + _NUMBER] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    prepared = pd.DataFrame(data, index=frame.index)
    prepared.index = pd.Index(frame[ROW].to_numpy())  # unnamed: GX then reports plain row numbers
    return prepared


# --- the GX context (one per process, lazily) -------------------------------------------------

_LOCK = threading.RLock()
_CONTEXT: Any = None
_DATASOURCE: Any = None
_VALIDATIONS: dict[str, Any] = {}


def _quiet_gx_logging() -> None:
    """GX logs at INFO (and dumps class dicts at DEBUG) on import and context creation: keep only
    its WARNINGs, unless the application set a level for it itself. Call before importing GX."""
    logger = logging.getLogger("great_expectations")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)


def _import_gx() -> None:
    """Import GX quietly: its loggers first, then the import without its DeprecationWarnings
    (sre_constants / sre_parse, raised by GX's own modules)."""
    _quiet_gx_logging()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations  # noqa: F401


def _context() -> Any:
    global _CONTEXT, _DATASOURCE
    with _LOCK:
        if _CONTEXT is None:
            _import_gx()
            import great_expectations as gx
            import great_expectations.execution_engine.pandas_execution_engine as pandas_engine
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            config = DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
                analytics_enabled=False,
            )
            # GX fingerprints every batch smaller than HASH_THRESHOLD bytes (a hash of every row,
            # ~15 % of its time on HART) for batch markers we never read: results are not kept
            pandas_engine.HASH_THRESHOLD = 0
            context = gx.get_context(mode="ephemeral", project_config=config)
            _DATASOURCE = context.data_sources.add_or_update_pandas("regie")
            _CONTEXT = context
        return _CONTEXT


def warm_up() -> None:
    """Import GX and create the context now: importing GX takes about 2 s, once per process."""
    _context()


def _validation(table: str, rules: list[Rule]) -> Any:
    """The cached ValidationDefinition running exactly these rules on `table`."""
    import great_expectations as gx

    signature = repr([rule.expectation.configuration.to_json_dict() for rule in rules])
    name = f"{table}-{hashlib.sha1(signature.encode()).hexdigest()[:12]}"
    with _LOCK:
        if name not in _VALIDATIONS:
            context = _context()
            try:
                asset = _DATASOURCE.get_asset(table)
            except LookupError:
                asset = _DATASOURCE.add_dataframe_asset(table)
            try:
                batch = asset.get_batch_definition("whole")
            except KeyError:
                batch = asset.add_batch_definition_whole_dataframe("whole")
            suite = context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=[r.expectation for r in rules]))
            _VALIDATIONS[name] = context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=name, data=batch, suite=suite))
        return _VALIDATIONS[name]


def _run(table: str, rules: list[Rule], frame: pd.DataFrame, result_format: dict[str, Any]) -> Any:
    from great_expectations.validator.v1_validator import Validator

    with _LOCK:
        definition = _validation(table, rules)
        # what ValidationDefinition.run does, without checking that its suite is still the stored
        # one (it is: the definition is built here, never edited) and without storing the result
        # (never read, so far deleted right away): ~15 % of GX's time on HART
        validator = Validator(batch_definition=definition.batch_definition, batch_parameters={"dataframe": frame},
                              result_format=result_format)
        result = validator.validate_expectation_suite(definition.suite)
        batches = _DATASOURCE.get_execution_engine().batch_manager  # the last frame of each table
        batches.batch_data_cache.clear()
        batches.reset_batch_cache()
        return result


# --- results to notices -------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """JSON-friendly: numpy scalars to Python, tuples to lists, NaN to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _distinct(values: list[Any], limit: int, pair: tuple[str, ...] = ()) -> list[Any]:
    """The first distinct non-null values; pairs as {field_A: a, field_B: b}."""
    seen: list[Any] = []
    for value in values:
        value = _plain(value)
        if value is None:
            continue
        if len(pair) == 2 and isinstance(value, list) and len(value) == 2:
            value = dict(zip(pair, value, strict=True))
        if value not in seen:
            seen.append(value)
        if len(seen) == limit:
            break
    return seen


def _notice(table: str, rule: Rule, outcome: Any) -> dict[str, Any]:
    file = f"{table}.txt"
    result = dict(outcome.result or {})
    info = outcome.exception_info or {}
    raised = bool(info.get("raised_exception")) if isinstance(info, dict) else False
    context: dict[str, Any] = {"suite": table, "rule": rule.name, "expectation": outcome.expectation_config.type}
    if raised:
        message = f"{file}: the expectation '{rule.description}' could not be evaluated: {info.get('exception_message')}"
        context["exception"] = str(info.get("exception_message"))
        return {"code": ERROR_CODE, "severity": Severity.WARNING.value, "source": Source.EXPECTATIONS.value,
                "file": file, "row": None, "field": rule.field, "message": message, "context": context}
    if "observed_value" in result:
        observed = _plain(result["observed_value"])
        context["observed_value"] = observed
        message = f"{file}: {rule.description}; observed {observed}."
    else:
        count = int(result.get("unexpected_count") or 0)
        total = int(result.get("element_count") or 0)
        missing = int(result.get("missing_count") or 0)
        percent = result.get("unexpected_percent")  # GX: share of the non-missing values
        pair = tuple(column.removesuffix(_NUMBER) for column in rule.columns) if len(rule.columns) == 2 else ()
        context.update({
            "unexpected_count": count,
            "element_count": total,
            "missing_count": missing,
            "unexpected_percent": None if percent is None else round(float(percent), 3),
            "unexpected_values": _distinct(list(result.get("partial_unexpected_list") or []), SAMPLES, pair),
            "rows": _plain(list(result.get("partial_unexpected_index_list") or [])[:SAMPLES]),
        })
        mostly = getattr(rule.expectation, "mostly", None)
        if mostly is not None and mostly < 1:
            context["mostly"] = float(mostly)
        share = f" ({percent:.2f} %)" if percent is not None else ""
        checked = f"{total - missing} non-empty values" if missing else f"{total} values"
        message = f"{file}: {rule.description}; {count} of {checked} fail{share}."
    return {"code": rule.code, "severity": rule.severity.value, "source": Source.EXPECTATIONS.value,
            "file": file, "row": None, "field": rule.field, "message": message, "context": context}


def run_expectations(
    feed: FeedTables,
    *,
    bbox: BoundingBox | None,
    thresholds: RuleThresholds,
    validation_date: date | None = None,
) -> ExpectationRun:
    """Run every suite whose table the feed has (absent or empty tables are skipped)."""
    started = time.perf_counter()
    records: list[dict[str, Any]] = []
    summary: dict[str, dict[str, Any]] = {}
    skipped_tables: list[str] = []
    for table, spec in TABLES.items():
        frame = feed.get(table)
        if frame is None or len(frame) == 0:
            skipped_tables.append(table)
            continue
        rules = build_rules(table, bbox=bbox, thresholds=thresholds, validation_date=validation_date)
        prepared = prepare_frame(frame, spec)
        runnable = [rule for rule in rules if all(column in prepared.columns for column in rule.columns)]
        skipped = [rule.name for rule in rules if rule.name not in {r.name for r in runnable}]
        entry: dict[str, Any] = {"file": f"{table}.txt", "rows": int(len(frame)), "evaluated": 0, "successful": 0,
                                 "success_percent": 100.0, "failed": [], "skipped": skipped}
        summary[table] = entry
        if not runnable:
            continue
        result = _run(table, runnable, prepared, _PASS_FAIL)  # every rule on every row: success only
        failed = [outcome.expectation_config.meta["rule"] for outcome in result.results if not outcome.success]
        if failed:  # then the counts, samples and rows of the failed rules (fresh expectations for a new suite)
            again = {rule.name: rule for rule in build_rules(table, bbox=bbox, thresholds=thresholds,
                                                              validation_date=validation_date)}
            details = _run(table, [again[name] for name in failed], prepared, _RESULT_FORMAT)
            for outcome in sorted(details.results, key=lambda o: failed.index(o.expectation_config.meta["rule"])):
                records.append(_notice(table, again[outcome.expectation_config.meta["rule"]], outcome))
        evaluated = len(result.results)
        entry.update({
            "evaluated": evaluated,
            "successful": evaluated - len(failed),
            "success_percent": round(100.0 * (evaluated - len(failed)) / evaluated, 2),
            "failed": sorted(failed, key=[rule.name for rule in runnable].index),
        })
    return ExpectationRun(notices=notices_frame(records), summary=summary, skipped_tables=skipped_tables,
                          duration_s=time.perf_counter() - started)
