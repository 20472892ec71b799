"""GX results as notices: one notice per failed expectation (source "expectations")."""

from __future__ import annotations

import math
from typing import Any

from quality.expectations.suites import NUMBER_SUFFIX, Rule
from quality.notices import Severity, Source

SAMPLES = 5
"""Unexpected values and rows quoted in a notice's context."""
ERROR_CODE = "region_expectation_error"
"""A suite's expectation could not be evaluated (GX raised): reported, never silently passed."""


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


def expectation_notice(table: str, rule: Rule, outcome: Any) -> dict[str, Any]:
    """The notice of one failed expectation (GX's ExpectationValidationResult `outcome`, in the
    SUMMARY format): code, severity, source "expectations", file, field, message, and a context
    with the counts, sample values and CSV rows (row stays None), or the observed value of an
    aggregate; an expectation GX could not evaluate becomes ERROR_CODE."""
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
        pair = tuple(column.removesuffix(NUMBER_SUFFIX) for column in rule.columns) if len(rule.columns) == 2 else ()
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
