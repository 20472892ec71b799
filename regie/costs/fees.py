"""Each operator's annual integration fee, with everything needed to check and reproduce it.

    compute_fee(operator=..., metrics=..., kind="timetable", tiers=..., fee_year=2026,
                feed_version=..., tiers_hash=...)          -> FeeStatement | FeeError
    region_fees(results, tiers)                              -> RegionSummary
    what_if(current_results, alternative_results)            -> [{operator_id, before_cents, ...}]

How a fee is computed (and written in the statement):
1. Each dimension's figure places the operator in one bracket (`from` inclusive, `to` exclusive).
   `boardings` is the declared ridership of operators.yaml; the other metrics come from `metrics`
   (annualised network metrics of the accepted feed, or the GBFS size for bike share).
2. The fee rule gives the yearly amount in integer cents (a matrix cell, or base + supplements).
3. Pro rata: days of membership in the fee year (member_from .. member_until, both inclusive) /
   days in the year (365 or 366), kept as an exact fraction.
4. amount × fraction is rounded to the cent ONCE, half-up (x.5 cents goes up), at the end: no
   intermediate figure is rounded, so base and supplements are never rounded separately.

Anything that would make the figure wrong is a FeeError naming the operator and the fix (no
declared ridership, ridership too old and not flagged as an estimate, missing metrics); a fee is
never silently zero.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any, Literal

from regie.config.operators import Operator
from regie.costs.tiers import METRIC_UNITS, Bracket, Tiers, cents_to_eur_text, format_eur, format_figure, is_figure
from regie.costs.tiers import tiers_hash as compute_tiers_hash

Kind = Literal["timetable", "bike_share"]
STATEMENT_FORMAT = 1
"""Bumped when a key of `FeeStatement.to_dict()` changes meaning or disappears."""
ROUNDING_RULE = ("rounded to the cent once, half-up (half a cent goes up), after pro rata; "
                 "no intermediate figure is rounded")
METRICS_CONTEXT_KEYS = ("fee_year", "days_in_year", "covered_days", "covered_from", "covered_to", "scale_factor",
                        "coverage", "vehicle_km_method", "version")
"""Keys of the metrics recorded beside the figures used: how they were measured and annualised
(`version` is the GBFS version of a bike-share snapshot). The un-scaled `measured` figures of the
metrics used are recorded too."""


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

    ok: bool = field(default=True, init=False)

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

    ok: bool = field(default=False, init=False)

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


def membership(operator: Operator, fee_year: int) -> ProRata | None:
    """Days of membership within `fee_year` (member_from and member_until both inclusive), or None
    when the operator was not a member that year."""
    year_start, year_end = date(fee_year, 1, 1), date(fee_year, 12, 31)
    start = max(operator.member_from, year_start)
    end = min(operator.member_until or year_end, year_end)
    days = (end - start).days + 1
    if days <= 0:
        return None
    return ProRata(
        year_start=year_start, year_end=year_end, member_from=operator.member_from,
        member_until=operator.member_until, period_start=start, period_end=end,
        days=days, days_in_year=(year_end - year_start).days + 1,
    )


def _figure_text(value: float, bracket: Bracket) -> str:
    """`value` short ("1.24 M"), with more decimals when the short form would fall outside the
    bracket (999,999.999 is not shown as "1,000,000" in a bracket "< 1 M")."""
    for decimals in (2, 3, 4, 6):
        shown = round(value / 1e6, decimals) * 1e6 if value >= 1_000_000 else round(value, decimals)
        if bracket.contains(shown):
            return format_figure(value, decimals)
    return f"{value:,}"


def place(dimension: str, label: str, metric: str, value: float, bracket: Bracket) -> Placement:
    unit = METRIC_UNITS[metric]
    sentence = f"{label} {bracket.name}: {_figure_text(value, bracket)} {unit} {bracket.describe()}"
    return Placement(dimension=dimension, label=label, metric=metric, value=value, bracket=bracket.name,
                     lower=bracket.from_, upper=bracket.to, explanation=sentence)


def _as_mapping(metrics: Any) -> Mapping[str, Any] | None:
    if metrics is None or isinstance(metrics, Mapping):
        return metrics
    to_dict = getattr(metrics, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    raise TypeError(f"metrics must be a mapping of metric name to value (or have to_dict()), got {type(metrics).__name__}")


def compute_fee(
    *,
    operator: Operator,
    metrics: Mapping[str, float] | None,
    kind: Kind,
    tiers: Tiers,
    fee_year: int,
    feed_version: str | None,
    tiers_hash: str,
    max_ridership_age_years: int = 2,
) -> FeeResult:
    """The fee `operator` owes for `fee_year` under `tiers`, or a FeeError saying what is missing.

    metrics: annualised figures by metric name (vehicle_km, service_hours, trips, stops_served,
    routes for a timetable; stations, vehicles for bike share); extra keys such as scale_factor,
    covered_days, fee_year and warnings are recorded and flagged. Declared ridership (boardings)
    is read from the operator and must be of `fee_year - max_ridership_age_years` or later unless
    marked estimated (then the fee is computed and flagged). kind: "timetable" uses the fee rule,
    "bike_share" the bike-share table. feed_version and tiers_hash are recorded as they are."""

    def error(code: str, message: str) -> FeeError:
        return FeeError(operator_id=operator.id, operator_name=operator.name, kind=str(kind), fee_year=fee_year,
                        code=code, message=message, feed_version=feed_version, tiers_hash=tiers_hash)

    if kind not in ("timetable", "bike_share"):
        return error("unknown_kind", f"operator {operator.id}: unknown fee kind {kind!r} (timetable or bike_share)")
    pro_rata = membership(operator, fee_year)
    if pro_rata is None:
        until = operator.member_until.isoformat() if operator.member_until else "open"
        return error("not_a_member", f"operator {operator.id} was not a member in {fee_year} "
                                     f"(member_from {operator.member_from.isoformat()}, member_until {until}): no fee is due")
    if kind == "bike_share":
        if tiers.bike_share is None:
            return error("no_bike_share_table", f"operator {operator.id} is a bike/car share but the tiers have no "
                                                "bike_share table: add one to tiers.yaml")
        dimensions = [("bike_share", tiers.bike_share.label or tiers.bike_share.metric, tiers.bike_share.metric,
                       list(tiers.bike_share.brackets))]
    else:
        dimensions = [(name, dimension.label or name, dimension.metric, list(dimension.brackets))
                      for name, dimension in tiers.dimensions.items()]
    needed = [metric for _, _, metric, _ in dimensions]

    flags: list[Flag] = []
    inputs: dict[str, Any] = {"metrics": {}, "metrics_context": {}, "ridership": None}
    values: dict[str, float] = {}

    if "boardings" in needed:
        ridership = operator.ridership
        if ridership is None:
            return error("missing_ridership", f"operator {operator.id} has no declared ridership: "
                                              "add ridership {boardings, year} to operators.yaml")
        oldest = fee_year - max_ridership_age_years
        if ridership.year > fee_year:
            return error("future_ridership", f"operator {operator.id} declares ridership for {ridership.year}, after "
                                             f"the fee year {fee_year}: the {fee_year} fee uses ridership of "
                                             f"{oldest}..{fee_year}")
        if ridership.year < oldest:
            if not ridership.estimated:
                return error("stale_ridership", f"operator {operator.id} declares ridership for {ridership.year}, more "
                                                f"than {max_ridership_age_years} years before {fee_year}: update "
                                                f"ridership {{boardings, year}} in operators.yaml (year {oldest} or "
                                                "later), or set estimated: true to use it as an estimate")
            flags.append(Flag("estimated_ridership", f"ridership is an estimate: {ridership.boardings:,} boardings "
                                                     f"declared for {ridership.year}, older than {oldest}"))
        elif ridership.estimated:
            flags.append(Flag("estimated_ridership", f"ridership is an estimate: {ridership.boardings:,} boardings "
                                                     f"for {ridership.year}"))
        values["boardings"] = float(ridership.boardings)
        inputs["ridership"] = {"boardings": ridership.boardings, "year": ridership.year,
                               "estimated": ridership.estimated, "source": ridership.source}

    metric_names = [metric for metric in needed if metric != "boardings"]
    if metric_names:
        source = _as_mapping(metrics)
        what = "bike-share size (GBFS stations/vehicles)" if kind == "bike_share" else "network metrics"
        if source is None:
            return error("missing_metrics", f"operator {operator.id} has no {what} for {fee_year}: the fee needs "
                                            f"{', '.join(metric_names)} (is there an accepted feed?)")
        metrics_year = source.get("fee_year")
        if is_figure(metrics_year) and int(metrics_year) != fee_year:
            return error("metrics_year_mismatch", f"operator {operator.id}: the {what} were annualised for "
                                                  f"{int(metrics_year)}, not for the fee year {fee_year}")
        if kind == "timetable" and source.get("covered_days") == 0:
            return error("no_service_in_year", f"operator {operator.id}: the accepted feed has no service day in "
                                               f"{fee_year}, so its network cannot be measured for that year")
        for metric in metric_names:
            value = source.get(metric)
            if value is None:
                return error("missing_metrics", f"operator {operator.id}: the {what} have no '{metric}', "
                                                f"which the fee needs")
            if not is_figure(value):
                return error("invalid_metric", f"operator {operator.id}: '{metric}' is {value!r}, not a "
                                               "finite number >= 0")
            values[metric] = float(value)
            inputs["metrics"][metric] = int(value) if isinstance(value, numbers.Integral) else float(value)
            if value == 0:
                flags.append(Flag("zero_metric", f"{METRIC_UNITS[metric]} is 0 for {fee_year}: the lowest bracket applies"))
        inputs["metrics_context"] = {key: source[key] for key in METRICS_CONTEXT_KEYS if key in source}
        measured = source.get("measured")
        if isinstance(measured, Mapping):
            inputs["measured"] = {metric: measured[metric] for metric in metric_names if metric in measured}
        scale = source.get("scale_factor")
        if is_figure(scale) and scale != 1:
            covered = source.get("covered_days")
            covered_text = f" from {covered:g} covered days" if is_figure(covered) else ""
            flags.append(Flag("metrics_scaled", f"network metrics were annualised{covered_text} "
                                                f"(scale factor {scale:.4g}): the feed does not cover the whole year"))
        warnings = source.get("warnings")
        if isinstance(warnings, list | tuple):
            flags.extend(Flag("metrics_warning", str(warning)) for warning in warnings)

    placements = []
    for name, label, metric, brackets in dimensions:
        value = values[metric]
        bracket = next((bracket for bracket in brackets if bracket.contains(value)), None)
        if bracket is None:
            last = brackets[-1]
            return error("beyond_last_bracket", f"operator {operator.id}: {label} {format_figure(value)} "
                                                f"{METRIC_UNITS[metric]} is above the last bracket '{last.name}' "
                                                f"(to {format_figure(last.to or 0)}): open it (to: null) in tiers.yaml")
        placements.append(place(name, label, metric, value, bracket))

    if kind == "bike_share":
        bracket = next(b for b in tiers.bike_share.brackets if b.name == placements[0].bracket)  # type: ignore[union-attr]
        rule, parts = "bike_share", [(f"bike share {bracket.name}", bracket.amount)]
        rule_cents = bracket.amount
    else:
        rule = tiers.fee.rule
        rule_cents, parts = tiers.rule_amount({placement.dimension: placement.bracket for placement in placements})

    exact = Fraction(rule_cents) * pro_rata.factor
    amount = round_half_up(exact)
    if pro_rata.applied:
        flags.append(Flag("pro_rata", pro_rata.explanation()))
    if amount == 0:
        return error("zero_fee", f"operator {operator.id}: the {fee_year} fee comes to 0 cents "
                                 f"({pro_rata.explanation()}; {format_eur(rule_cents)} a year): check tiers.yaml")

    return FeeStatement(
        operator_id=operator.id, operator_name=operator.name, kind=kind, fee_year=fee_year, currency=tiers.currency,
        placements=tuple(placements), rule=rule, rule_parts=tuple(parts), rule_amount_cents=rule_cents,
        pro_rata=pro_rata, exact_cents=exact, amount_cents=amount, inputs=inputs, feed_version=feed_version,
        tiers_hash=tiers_hash, flags=tuple(flags),
    )


@dataclass(frozen=True)
class RegionSummary:
    """The region's fees for one year: total against the budget, brackets, operators and errors."""

    fee_year: int | None
    currency: str
    tiers_hash: str
    budget_cents: int
    statements: tuple[FeeStatement, ...]
    errors: tuple[FeeError, ...]
    count_by_bracket: Mapping[str, Mapping[str, int]]
    warnings: tuple[str, ...] = ()

    @property
    def total_cents(self) -> int:
        return sum(statement.amount_cents for statement in self.statements)

    @property
    def coverage(self) -> float:
        """Total fees / annual budget (1.0 = the fees pay the whole budget)."""
        return self.total_cents / self.budget_cents

    @property
    def average_cents(self) -> int | None:
        """Mean fee of the operators charged, rounded half-up to the cent (display only)."""
        if not self.statements:
            return None
        return round_half_up(Fraction(self.total_cents, len(self.statements)))

    @property
    def complete(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        amounts = [statement.amount_cents for statement in self.statements]
        return {
            "type": "region_fee_summary",
            "format": STATEMENT_FORMAT,
            "fee_year": self.fee_year,
            "currency": self.currency,
            "tiers_hash": self.tiers_hash,
            "budget_cents": self.budget_cents,
            "budget_eur": cents_to_eur_text(self.budget_cents),
            "total_cents": self.total_cents,
            "total_eur": cents_to_eur_text(self.total_cents),
            "coverage": round(self.coverage, 6),
            "operators_charged": len(self.statements),
            "operators_in_error": len(self.errors),
            "complete": self.complete,
            "average_cents": self.average_cents,
            "min_cents": min(amounts) if amounts else None,
            "max_cents": max(amounts) if amounts else None,
            "count_by_bracket": {name: dict(counts) for name, counts in self.count_by_bracket.items()},
            "operators": [
                {"operator_id": s.operator_id, "operator_name": s.operator_name, "kind": s.kind,
                 "brackets": s.brackets, "amount_cents": s.amount_cents, "amount_eur": cents_to_eur_text(s.amount_cents),
                 "pro_rata": f"{s.pro_rata.days}/{s.pro_rata.days_in_year}", "feed_version": s.feed_version,
                 "flags": [flag.code for flag in s.flags]}
                for s in self.statements
            ],
            "errors": [error.to_dict() for error in self.errors],
            "warnings": list(self.warnings),
        }


def region_fees(statements_and_errors: Iterable[FeeResult], tiers: Tiers) -> RegionSummary:
    """Add up the operators' fees: total, coverage of the annual budget, operators per bracket
    (every bracket listed, zeros included), errors kept beside the total (never counted as 0).
    Raises ValueError when an operator appears twice or the results mix fee years."""
    results = list(statements_and_errors)
    seen: set[str] = set()
    for result in results:
        if result.operator_id in seen:
            raise ValueError(f"operator {result.operator_id!r} appears twice in the region's fees")
        seen.add(result.operator_id)
    years = {result.fee_year for result in results}
    if len(years) > 1:
        raise ValueError(f"the region's fees mix fee years {sorted(years)}: summarise one year at a time")
    statements = tuple(result for result in results if isinstance(result, FeeStatement))
    errors = tuple(result for result in results if isinstance(result, FeeError))

    counts: dict[str, dict[str, int]] = {name: dict.fromkeys(dimension.names, 0)
                                         for name, dimension in tiers.dimensions.items()}
    if tiers.bike_share is not None:
        counts["bike_share"] = {bracket.name: 0 for bracket in tiers.bike_share.brackets}
    warnings = []
    expected_hash = compute_tiers_hash(tiers)
    for statement in statements:
        for dimension, bracket in statement.brackets.items():
            counts.setdefault(dimension, {}).setdefault(bracket, 0)
            counts[dimension][bracket] += 1
        if statement.tiers_hash != expected_hash:
            warnings.append(f"operator {statement.operator_id}'s fee was computed with tiers {statement.tiers_hash[:12]}, "
                            f"not the tiers of this summary ({expected_hash[:12]})")
    return RegionSummary(
        fee_year=years.pop() if years else None, currency=tiers.currency, tiers_hash=expected_hash,
        budget_cents=tiers.annual_budget, statements=statements, errors=errors, count_by_bracket=counts,
        warnings=tuple(warnings),
    )


def what_if(current: Sequence[FeeResult], alternative: Sequence[FeeResult]) -> list[dict[str, Any]]:
    """Operator by operator (current order, then operators only in `alternative`): the fee before
    and after, the difference in cents (None when either side is an error) and the brackets."""

    def by_id(results: Sequence[FeeResult]) -> dict[str, FeeResult]:
        return {result.operator_id: result for result in results}

    before, after = by_id(current), by_id(alternative)
    order = list(before) + [operator_id for operator_id in after if operator_id not in before]
    rows = []
    for operator_id in order:
        old, new = before.get(operator_id), after.get(operator_id)
        old_cents = old.amount_cents if isinstance(old, FeeStatement) else None
        new_cents = new.amount_cents if isinstance(new, FeeStatement) else None
        rows.append({
            "operator_id": operator_id,
            "operator_name": (old or new).operator_name,  # type: ignore[union-attr]
            "before_cents": old_cents,
            "after_cents": new_cents,
            "difference_cents": new_cents - old_cents if old_cents is not None and new_cents is not None else None,
            "before_brackets": old.brackets if isinstance(old, FeeStatement) else None,
            "after_brackets": new.brackets if isinstance(new, FeeStatement) else None,
            "before_error": old.message if isinstance(old, FeeError) else (None if old else "not in the current fees"),
            "after_error": new.message if isinstance(new, FeeError) else (None if new else "not in the alternative fees"),
        })
    return rows
