"""The fee brackets, `tiers.yaml`: what each operator pays a year, by bracket (tranche) of its
network size and ridership.

    tiers = load_tiers(Path("configs/tiers.yaml"))     # ConfigError naming file, key and bracket
    tiers_hash(tiers)                                  # sha256 of the canonical JSON of the model

The file has a currency (EUR), the platform's annual budget, named `dimensions` (each a metric and
its brackets), a `fee` rule over those dimensions (`matrix` or `base_plus_supplements`) and a
separate `bike_share` table for operators without timetables. Brackets are `[from, to)`: the lower
bound is inclusive, the upper exclusive, the last may be open (`to: null`). They must start at 0,
be listed in increasing order, touch without gap or overlap and have unique names; every amount a
rule needs must be given, and a larger figure never pays less (amounts are monotone).

Money: the YAML gives EUR (numbers, at most 2 decimals); every money field of these models
(`annual_budget`, matrix amounts, `base`, supplements, bike-share `amount`) holds integer cents.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from regie.config.loader import load_model

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

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]


def _eur_to_cents(value: Any) -> int:
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


def _figure_value(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, str):
        raise ValueError(f"must be a number, got {value!r}")
    return value


Cents = Annotated[int, BeforeValidator(_eur_to_cents)]
"""Money: EUR in the YAML, integer cents in the model."""
Figure = Annotated[float, BeforeValidator(_figure_value), Field(ge=0, allow_inf_nan=False)]


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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Bracket(_Model):
    """One tranche `[from, to)` of a dimension; `to: null` only on the last (open) bracket."""

    name: Name
    from_: Figure = Field(alias="from")
    to: Figure | None = Field(gt=0)

    def contains(self, value: float) -> bool:
        return self.from_ <= value and (self.to is None or value < self.to)

    def describe(self, unit: str = "") -> str:
        """The bracket as "≥ 1 M and < 5 M" (the first one as "< 250,000", the last "≥ 5 M")."""
        suffix = f" {unit}" if unit else ""
        if self.to is None:
            return f"≥ {format_figure(self.from_)}{suffix}"
        if self.from_ == 0:
            return f"< {format_figure(self.to)}{suffix}"
        return f"≥ {format_figure(self.from_)} and < {format_figure(self.to)}{suffix}"


def _check_brackets(brackets: list[Bracket]) -> None:
    """Brackets start at 0, are ordered, touch (no gap, no overlap), have unique names and only
    the last may be open. Raises ValueError naming the bracket."""
    if not brackets:
        raise ValueError("needs at least one bracket")
    seen: set[str] = set()
    for bracket in brackets:
        if bracket.name in seen:
            raise ValueError(f"bracket name '{bracket.name}' is used twice; bracket names must be unique")
        seen.add(bracket.name)
    for bracket in brackets:
        if bracket.to is not None and bracket.to <= bracket.from_:
            raise ValueError(
                f"bracket '{bracket.name}': to ({format_figure(bracket.to)}) must be greater than "
                f"from ({format_figure(bracket.from_)})"
            )
    for previous, bracket in zip(brackets, brackets[1:], strict=False):
        if bracket.from_ <= previous.from_:
            raise ValueError(
                f"bracket '{bracket.name}' (from {format_figure(bracket.from_)}) is listed after "
                f"'{previous.name}' (from {format_figure(previous.from_)}): list the brackets in increasing order"
            )
    first = brackets[0]
    if first.from_ != 0:
        raise ValueError(
            f"the first bracket '{first.name}' starts at {format_figure(first.from_)}, not 0: "
            f"figures below {format_figure(first.from_)} would have no bracket"
        )
    for previous, bracket in zip(brackets, brackets[1:], strict=False):
        if previous.to is None:
            raise ValueError(
                f"bracket '{previous.name}' is open (to: null) but is not the last: "
                f"only the last bracket may be open (next is '{bracket.name}')"
            )
        if bracket.from_ < previous.to:
            raise ValueError(
                f"bracket '{bracket.name}' starts at {format_figure(bracket.from_)} but '{previous.name}' ends at "
                f"{format_figure(previous.to)}: the brackets overlap (set '{bracket.name}' from: "
                f"{format_figure(previous.to)})"
            )
        if bracket.from_ > previous.to:
            raise ValueError(
                f"gap between bracket '{previous.name}' (to {format_figure(previous.to)}) and '{bracket.name}' "
                f"(from {format_figure(bracket.from_)}): figures in between would have no bracket"
            )


def _find(brackets: list[Bracket], value: float) -> Bracket | None:
    for bracket in brackets:
        if bracket.contains(value):
            return bracket
    return None


class Dimension(_Model):
    """A named axis of the fee: a metric and its brackets."""

    metric: Metric
    label: str | None = Field(None, min_length=1, max_length=60, description="shown in statements; default: the name")
    brackets: list[Bracket] = Field(min_length=1)

    @field_validator("brackets")
    @classmethod
    def _valid_brackets(cls, brackets: list[Bracket]) -> list[Bracket]:
        _check_brackets(brackets)
        return brackets

    @property
    def names(self) -> list[str]:
        return [bracket.name for bracket in self.brackets]

    def bracket_for(self, value: float) -> Bracket | None:
        """The bracket holding `value` (None above a closed last bracket)."""
        return _find(self.brackets, value)


class BikeShareBracket(Bracket):
    amount: Cents


class BikeShareTable(_Model):
    """Operators without timetables (bike share, car share): one amount per bracket of stations or vehicles."""

    metric: Literal["stations", "vehicles"]
    label: str | None = Field(None, min_length=1, max_length=60)
    brackets: list[BikeShareBracket] = Field(min_length=1)

    @field_validator("brackets")
    @classmethod
    def _valid_brackets(cls, brackets: list[BikeShareBracket]) -> list[BikeShareBracket]:
        _check_brackets(list(brackets))
        for previous, bracket in zip(brackets, brackets[1:], strict=False):
            if bracket.amount < previous.amount:
                raise ValueError(
                    f"bracket '{bracket.name}' pays {format_eur(bracket.amount)}, less than '{previous.name}' "
                    f"({format_eur(previous.amount)}): a larger operator must never pay less"
                )
        return brackets

    def bracket_for(self, value: float) -> BikeShareBracket | None:
        return _find(list(self.brackets), value)  # type: ignore[return-value]


class MatrixRule(_Model):
    """Amount = amounts[row bracket][column bracket], over exactly two dimensions."""

    rule: Literal["matrix"]
    rows: Name = Field(description="the dimension whose brackets are the rows")
    columns: Name = Field(description="the dimension whose brackets are the columns")
    amounts: dict[str, dict[str, Cents]]

    @property
    def dimensions(self) -> list[str]:
        return [self.rows, self.columns]


class SupplementsRule(_Model):
    """Amount = base + one supplement per dimension, chosen by that dimension's bracket."""

    rule: Literal["base_plus_supplements"]
    base: Cents
    supplements: dict[str, dict[str, Cents]]

    @property
    def dimensions(self) -> list[str]:
        return list(self.supplements)


FeeRule = Annotated[MatrixRule | SupplementsRule, Field(discriminator="rule")]


def _check_matrix(rule: MatrixRule, dimensions: Mapping[str, Dimension]) -> None:
    known = ", ".join(dimensions)
    for role, name in (("rows", rule.rows), ("columns", rule.columns)):
        if name not in dimensions:
            raise ValueError(f"matrix {role} '{name}' is not a dimension (dimensions: {known})")
    if rule.rows == rule.columns:
        raise ValueError(f"matrix rows and columns are both '{rule.rows}': use two different dimensions")
    for name in dimensions:
        if name not in (rule.rows, rule.columns):
            raise ValueError(
                f"dimension '{name}' is not used by the matrix (rows '{rule.rows}', columns '{rule.columns}'): "
                "remove it, or use the base_plus_supplements rule for more than two dimensions"
            )
    rows, columns = dimensions[rule.rows], dimensions[rule.columns]
    for row in rule.amounts:
        if row not in rows.names:
            raise ValueError(f"matrix row '{row}' is not a bracket of {rule.rows} (brackets: {', '.join(rows.names)})")
    for row in rows.names:
        if row not in rule.amounts:
            raise ValueError(f"matrix has no row for {rule.rows} bracket '{row}'")
        for column in rule.amounts[row]:
            if column not in columns.names:
                raise ValueError(
                    f"matrix row '{row}': '{column}' is not a bracket of {rule.columns} "
                    f"(brackets: {', '.join(columns.names)})"
                )
        for column in columns.names:
            if column not in rule.amounts[row]:
                raise ValueError(f"matrix cell {rule.rows} '{row}' × {rule.columns} '{column}' is missing")
    cell = rule.amounts
    for i, row in enumerate(rows.names):
        for j, column in enumerate(columns.names):
            neighbours = []
            if i:
                neighbours.append((rows.names[i - 1], column))
            if j:
                neighbours.append((row, columns.names[j - 1]))
            for smaller_row, smaller_column in neighbours:
                if cell[row][column] < cell[smaller_row][smaller_column]:
                    raise ValueError(
                        f"matrix cell {rule.rows} '{row}' × {rule.columns} '{column}' "
                        f"({format_eur(cell[row][column])}) is less than {rule.rows} '{smaller_row}' × "
                        f"{rule.columns} '{smaller_column}' ({format_eur(cell[smaller_row][smaller_column])}): "
                        "a larger network or ridership must never pay less"
                    )


def _check_supplements(rule: SupplementsRule, dimensions: Mapping[str, Dimension]) -> None:
    for name in rule.supplements:
        if name not in dimensions:
            raise ValueError(f"supplements for '{name}', which is not a dimension (dimensions: {', '.join(dimensions)})")
    for name, dimension in dimensions.items():
        if name not in rule.supplements:
            raise ValueError(f"dimension '{name}' has no supplements: give one amount per bracket ({', '.join(dimension.names)})")
        table = rule.supplements[name]
        for bracket in table:
            if bracket not in dimension.names:
                raise ValueError(
                    f"supplement '{bracket}' of '{name}' is not one of its brackets ({', '.join(dimension.names)})"
                )
        for bracket in dimension.names:
            if bracket not in table:
                raise ValueError(f"dimension '{name}': bracket '{bracket}' has no supplement")
        for previous, bracket in zip(dimension.names, dimension.names[1:], strict=False):
            if table[bracket] < table[previous]:
                raise ValueError(
                    f"dimension '{name}': the supplement of bracket '{bracket}' ({format_eur(table[bracket])}) is "
                    f"less than that of '{previous}' ({format_eur(table[previous])}): "
                    "a larger network or ridership must never pay less"
                )


class Tiers(_Model):
    """The parsed `tiers.yaml` (money in integer cents)."""

    currency: Literal["EUR"]
    annual_budget: Cents = Field(description="the platform's annual cost the fees cover, in cents")
    dimensions: dict[Name, Dimension] = Field(min_length=1)
    fee: FeeRule
    bike_share: BikeShareTable | None = None

    @field_validator("annual_budget")
    @classmethod
    def _positive_budget(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be more than 0 EUR (it divides the fees' total for the coverage ratio)")
        return value

    @field_validator("fee")
    @classmethod
    def _complete(cls, rule: MatrixRule | SupplementsRule, info: ValidationInfo) -> MatrixRule | SupplementsRule:
        dimensions = info.data.get("dimensions")
        if dimensions is None:  # the dimensions themselves are wrong: that error is reported
            return rule
        if isinstance(rule, MatrixRule):
            _check_matrix(rule, dimensions)
        else:
            _check_supplements(rule, dimensions)
        return rule

    def dimension_label(self, name: str) -> str:
        return self.dimensions[name].label or name

    def uses_metric(self, metric: str, kind: str = "timetable") -> bool:
        if kind == "bike_share":
            return self.bike_share is not None and self.bike_share.metric == metric
        return any(dimension.metric == metric for dimension in self.dimensions.values())

    def rule_amount(self, placement: Mapping[str, str]) -> tuple[int, list[tuple[str, int]]]:
        """The yearly amount in cents for one bracket per dimension, and its parts
        [(what, cents)] (one part for a matrix cell; base then supplements otherwise)."""
        rule = self.fee
        if isinstance(rule, MatrixRule):
            row, column = placement[rule.rows], placement[rule.columns]
            cents = rule.amounts[row][column]
            return cents, [(f"matrix cell {rule.rows} {row} × {rule.columns} {column}", cents)]
        parts = [("base", rule.base)]
        for name, table in rule.supplements.items():
            parts.append((f"{name} {placement[name]} supplement", table[placement[name]]))
        return sum(cents for _, cents in parts), parts

    def placements(self) -> Iterator[dict[str, str]]:
        """Every combination of one bracket per dimension."""
        names = list(self.dimensions)

        def walk(index: int, chosen: dict[str, str]) -> Iterator[dict[str, str]]:
            if index == len(names):
                yield dict(chosen)
                return
            for bracket in self.dimensions[names[index]].names:
                chosen[names[index]] = bracket
                yield from walk(index + 1, chosen)
            chosen.pop(names[index], None)

        yield from walk(0, {})

    def amounts(self) -> list[int]:
        """Every yearly amount (cents) the timetable rule and the bike-share table can give."""
        found = [self.rule_amount(placement)[0] for placement in self.placements()]
        if self.bike_share is not None:
            found.extend(bracket.amount for bracket in self.bike_share.brackets)
        return found


def _yaml_names(message: str) -> str:
    """The YAML spells the lower bound `from` (a Python keyword, so the model field is `from_`)."""
    return re.sub(r"\bfrom_\b", "from", message)


def load_tiers(path: Path | str) -> Tiers:
    """Parse and validate `tiers.yaml`; raise ConfigError naming the file, the key (so the
    dimension) and the bracket."""
    return load_model(Path(path), Tiers, explain=_yaml_names)


def canonical_json(tiers: Tiers) -> str:
    """The model as JSON with sorted keys and no spaces: the same for any formatting of the YAML
    (comments, key order, `1500` vs `1500.0` vs `1_500`), different for any changed figure."""
    return json.dumps(
        tiers.model_dump(mode="json", by_alias=True),
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
    )


def tiers_hash(path_or_tiers: Path | str | Tiers) -> str:
    """sha256 (hex) of `canonical_json` of the parsed tiers: recorded in every fee statement so
    anyone can check which brackets and amounts were applied."""
    tiers = path_or_tiers if isinstance(path_or_tiers, Tiers) else load_tiers(path_or_tiers)
    return hashlib.sha256(canonical_json(tiers).encode("utf-8")).hexdigest()


def is_figure(value: Any) -> bool:
    """A usable metric value: a finite number >= 0 (not a bool)."""
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)
