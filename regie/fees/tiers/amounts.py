"""Money and figures of the tiers: EUR in the YAML to integer cents, the metrics' units, and how
amounts and figures are written for people and for JSON."""

from __future__ import annotations

import math
import numbers
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

Metric = Literal["vehicle_km", "service_hours", "trips", "stops_served", "routes", "boardings", "stations", "vehicles"]
"""What a dimension measures. `boardings` is the operator's declared ridership (operators.yaml);
`stations`/`vehicles` come from a GBFS feed; the others from the accepted timetable, annualised."""

METRIC_UNITS: dict[str, str] = {
    "vehicle_km": "vehicle-km",
    "service_hours": "service hours",
    "trips": "trips",
    "stops_served": "stops served",
    "routes": "routes",
    "boardings": "boardings",
    "stations": "stations",
    "vehicles": "vehicles",
}


def eur_to_cents(value: Any) -> int:
    """EUR as written in the YAML (a number, at most 2 decimals, >= 0) to integer cents."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"must be an amount in EUR written as a number (e.g. 1500 or 1500.50), got {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"must be an amount in EUR, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"must be a finite amount in EUR >= 0, got {value!r}")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"must be EUR with at most 2 decimals (whole cents), got {value!r}")
    return int(cents)


def figure_value(value: Any) -> Any:
    """A figure as written in the YAML: a number (bools and text refused; range checked by `Figure`)."""
    if isinstance(value, bool | str):
        raise ValueError(f"must be a number, got {value!r}")
    return value


Cents = Annotated[int, BeforeValidator(eur_to_cents)]
"""Money: EUR in the YAML, integer cents in the model."""
Figure = Annotated[float, BeforeValidator(figure_value), Field(ge=0, allow_inf_nan=False)]


def format_figure(value: float, decimals: int = 2) -> str:
    """A figure for people: millions as "1.24 M", smaller figures grouped as "249,999.6"; at most
    `decimals` decimals (of millions, or of units), trailing zeros dropped."""
    if value >= 1_000_000:
        return f"{_trim(value / 1_000_000, decimals)} M"
    return _trim(value, decimals)


def _trim(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_eur(cents: int) -> str:
    """Integer cents as "7,534.25 EUR" (exact; negative amounts keep their sign)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole:,}.{part:02d} EUR"


def cents_to_eur_text(cents: int) -> str:
    """Integer cents as an exact decimal string in EUR, "7534.25" (for JSON)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{part:02d}"


def is_figure(value: Any) -> bool:
    """A usable metric value: a finite number >= 0 (not a bool)."""
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value) and not value < 0)  # numbers.Real declares only < and <=
