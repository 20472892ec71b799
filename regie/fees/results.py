"""What a fee computation gives: a `FeeStatement` (the fee, its brackets, rule, pro rata, rounding
and inputs, as written in the statement) or a `FeeError` (why it could not be computed)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any, Literal

from regie.fees.tiers.amounts import METRIC_UNITS, cents_to_eur_text, format_eur

Kind = Literal["timetable", "bike_share"]
STATEMENT_FORMAT = 1
"""Bumped when a key of `FeeStatement.to_dict()` changes meaning or disappears."""
ROUNDING_RULE = ("rounded to the cent once, half-up (half a cent goes up), after pro rata; "
                 "no intermediate figure is rounded")


@dataclass(frozen=True)
class Flag:
    """Something a reader of the statement must know: the fee is computed, but on this basis."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Placement:
    """The bracket one dimension's figure falls in, and the sentence saying why."""

    dimension: str
    label: str
    metric: str
    value: float
    bracket: str
    lower: float
    upper: float | None
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension, "label": self.label, "metric": self.metric, "value": self.value,
            "unit": METRIC_UNITS[self.metric], "bracket": self.bracket, "from": self.lower, "to": self.upper,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class ProRata:
    """Membership within the fee year: `days` of `days_in_year` (both ends inclusive)."""

    year_start: date
    year_end: date
    member_from: date
    member_until: date | None
    period_start: date
    period_end: date
    days: int
    days_in_year: int

    @property
    def factor(self) -> Fraction:
        return Fraction(self.days, self.days_in_year)

    @property
    def applied(self) -> bool:
        return self.days != self.days_in_year

    def explanation(self) -> str:
        if not self.applied:
            return f"member for the whole of {self.year_start.year}: {self.days} of {self.days_in_year} days, factor 1"
        return (f"member from {self.period_start.isoformat()} to {self.period_end.isoformat()} (both included): "
                f"{self.days} of {self.days_in_year} days, factor {self.days}/{self.days_in_year}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "year_start": self.year_start.isoformat(), "year_end": self.year_end.isoformat(),
            "member_from": self.member_from.isoformat(),
            "member_until": self.member_until.isoformat() if self.member_until else None,
            "period_start": self.period_start.isoformat(), "period_end": self.period_end.isoformat(),
            "days": self.days, "days_in_year": self.days_in_year,
            "factor": f"{self.days}/{self.days_in_year}", "factor_decimal": round(float(self.factor), 6),
            "applied": self.applied, "explanation": self.explanation(),
        }


@dataclass(frozen=True)
class FeeStatement:
    """The fee one operator owes for one year, with its brackets, rule, pro rata and inputs."""

    operator_id: str
    operator_name: str
    kind: Kind
    fee_year: int
    currency: str
    placements: tuple[Placement, ...]
    rule: str
    rule_parts: tuple[tuple[str, int], ...]
    rule_amount_cents: int
    pro_rata: ProRata
    exact_cents: Fraction
    amount_cents: int
    inputs: Mapping[str, Any]
    feed_version: str | None
    tiers_hash: str
    flags: tuple[Flag, ...] = ()

    ok: Literal[True] = field(default=True, init=False)

    @property
    def amount_eur(self) -> str:
        return format_eur(self.amount_cents)

    @property
    def brackets(self) -> dict[str, str]:
        """{dimension: bracket name}."""
        return {placement.dimension: placement.bracket for placement in self.placements}

    def rule_explanation(self) -> str:
        if len(self.rule_parts) == 1:
            what, cents = self.rule_parts[0]
            return f"{what}: {format_eur(cents)} a year"
        parts = " + ".join(f"{what} {format_eur(cents)}" for what, cents in self.rule_parts)
        return f"{parts} = {format_eur(self.rule_amount_cents)} a year"

    def rounding_explanation(self) -> str:
        exact = _decimal_text(self.exact_cents)
        return (f"{format_eur(self.rule_amount_cents)} × {self.pro_rata.days}/{self.pro_rata.days_in_year} = "
                f"{exact} cents, {ROUNDING_RULE}: {self.amount_cents:,} cents = {format_eur(self.amount_cents)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "fee_statement",
            "format": STATEMENT_FORMAT,
            "operator": {"id": self.operator_id, "name": self.operator_name},
            "kind": self.kind,
            "fee_year": self.fee_year,
            "currency": self.currency,
            "brackets": [placement.to_dict() for placement in self.placements],
            "rule": {
                "type": self.rule,
                "parts": [{"what": what, "amount_cents": cents, "amount_eur": cents_to_eur_text(cents)}
                          for what, cents in self.rule_parts],
                "amount_cents": self.rule_amount_cents,
                "amount_eur": cents_to_eur_text(self.rule_amount_cents),
                "explanation": self.rule_explanation(),
            },
            "pro_rata": self.pro_rata.to_dict(),
            "rounding": {
                "rule": "half-up, once, at the end",
                "exact_cents": f"{self.exact_cents.numerator}/{self.exact_cents.denominator}",
                "exact_cents_decimal": _decimal_text(self.exact_cents, grouped=False),
                "explanation": self.rounding_explanation(),
            },
            "amount_cents": self.amount_cents,
            "amount_eur": cents_to_eur_text(self.amount_cents),
            "inputs": _plain(self.inputs),
            "feed_version": self.feed_version,
            "tiers_hash": self.tiers_hash,
            "flags": [flag.to_dict() for flag in self.flags],
        }


@dataclass(frozen=True)
class FeeError:
    """Why one operator's fee could not be computed, and what to fix."""

    operator_id: str
    operator_name: str
    kind: str
    fee_year: int
    code: str
    message: str
    feed_version: str | None = None
    tiers_hash: str | None = None

    ok: Literal[False] = field(default=False, init=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "fee_error", "format": STATEMENT_FORMAT,
            "operator": {"id": self.operator_id, "name": self.operator_name},
            "kind": self.kind, "fee_year": self.fee_year, "code": self.code, "message": self.message,
            "feed_version": self.feed_version, "tiers_hash": self.tiers_hash,
        }


FeeResult = FeeStatement | FeeError


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def _decimal_text(value: Fraction, places: int = 6, *, grouped: bool = True) -> str:
    """An exact fraction as a decimal string with at most `places` decimals (display only)."""
    with localcontext() as context:
        context.prec = 50
        number = Decimal(value.numerator) / Decimal(value.denominator)
        rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{rounded:,f}" if grouped else f"{rounded:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def round_half_up(value: Fraction) -> int:
    """The nearest integer, halves going up (away from zero for positive values)."""
    if value < 0:
        return -round_half_up(-value)
    return math.floor(value + Fraction(1, 2))

