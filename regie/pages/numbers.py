"""Numbers, dates and times as a page shows them in its language (Babel's CLDR formats).

Filters every page environment has: `decimal(digits=1)` (rounded, the language's separators),
`integer`, `percent(digits=0)` (of a 0–100 value), `day` (a date, medium format), `moment`
(a datetime, medium format, in its own time zone). Missing or non-finite values print "—".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

MISSING = "—"


def _finite(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def decimal(value: Any, digits: int = 1, *, language: str = "en") -> str:
    """`value` rounded to `digits` decimals (trailing zeros kept, so columns line up)."""
    number = _finite(value)
    if number is None:
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(round(number, digits), format=pattern, locale=language)


def integer(value: Any, *, language: str = "en") -> str:
    return decimal(value, 0, language=language)


def percent(value: Any, digits: int = 0, *, language: str = "en") -> str:
    """`value` (0–100) with the language's percent sign placement (no space in English)."""
    text = decimal(value, digits, language=language)
    if text == MISSING:
        return text
    return f"{text} %" if language in ("fr", "es", "eu") else f"{text}%"


def day(value: Any, *, language: str = "en") -> str:
    if isinstance(value, str) and value:
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return MISSING
    return format_date(value, format="medium", locale=language)


def moment(value: Any, *, language: str = "en") -> str:
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return day(value, language=language)
    text = format_datetime(value, format="medium", tzinfo=value.tzinfo, locale=language)
    return f"{text} {value.tzname()}" if value.tzinfo is not None and value.tzname() else text


def number_filters(language: str) -> dict[str, Callable[..., str]]:
    """The filters above bound to `language`."""
    return {name: partial(function, language=language)
            for name, function in (("decimal", decimal), ("integer", integer), ("percent", percent),
                                   ("day", day), ("moment", moment))}
