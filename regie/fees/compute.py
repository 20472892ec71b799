"""The fee one operator owes for a fee year.

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

import numbers
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import Any

from regie.config.operators import Operator
from regie.fees.results import FeeError, FeeResult, FeeStatement, Flag, Kind, Placement, ProRata, round_half_up
from regie.fees.tiers.amounts import METRIC_UNITS, Metric, format_eur, format_figure, is_figure
from regie.fees.tiers.brackets import BikeShareBracket, Bracket
from regie.fees.tiers.model import Tiers

METRICS_CONTEXT_KEYS = ("fee_year", "days_in_year", "covered_days", "covered_from", "covered_to", "scale_factor",
                        "coverage", "basis", "measured_from", "measured_to", "measured_days", "vehicle_km_method",
                        "version", "snapshot_at")
"""Keys of the metrics recorded beside the figures used: how they were measured and annualised
(`basis` "fee_year" or "service_period", over `measured_from`..`measured_to`; `version` and
`snapshot_at` are the GBFS version and the time of a bike-share snapshot). The un-scaled
`measured` figures of the metrics used are recorded too."""


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


def _service_period_text(source: Mapping[str, Any], fee_year: int) -> str:
    """Why and how the metrics were measured over the feed's service period, in words."""
    scale = source.get("scale_factor")
    factor = f"×{scale:.4g}" if is_figure(scale) else "scaled"
    return (f"the feed covers only {source.get('covered_days')} days of {fee_year}, so its service period "
            f"{source.get('measured_from')} to {source.get('measured_to')} ({source.get('measured_days')} days) was "
            f"measured and annualised ({factor})")


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
    dimensions: list[tuple[str, str, Metric, list[Bracket]]]
    bike_share_brackets: list[BikeShareBracket] = []
    if kind == "bike_share":
        if tiers.bike_share is None:
            return error("no_bike_share_table", f"operator {operator.id} is a bike/car share but the tiers have no "
                                                "bike_share table: add one to tiers.yaml")
        bike_share_brackets = list(tiers.bike_share.brackets)
        dimensions = [("bike_share", tiers.bike_share.label or tiers.bike_share.metric, tiers.bike_share.metric,
                       list(bike_share_brackets))]
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

    metric_names: list[Metric] = [metric for metric in needed if metric != "boardings"]
    if metric_names:
        source = _as_mapping(metrics)
        what = "bike-share size (GBFS stations/vehicles)" if kind == "bike_share" else "network metrics"
        if source is None:
            return error("missing_metrics", f"operator {operator.id} has no {what} for {fee_year}: the fee needs "
                                            f"{', '.join(metric_names)} (is there an accepted feed?)")
        metrics_year = source.get("fee_year")
        if metrics_year is not None and is_figure(metrics_year) and int(metrics_year) != fee_year:
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
        covered = source.get("covered_days")
        if source.get("basis") == "service_period":
            flags.append(Flag("measured_over_service_period", _service_period_text(source, fee_year)))
        elif is_figure(scale) and scale != 1:
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
        bracket = next(b for b in bike_share_brackets if b.name == placements[0].bracket)
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
