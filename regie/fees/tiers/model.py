"""The parsed `tiers.yaml`: its fee rule (a matrix over two dimensions, or a base plus one
supplement per dimension), checked complete and monotone against the dimensions, and `Tiers`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from regie.fees.tiers.amounts import Cents, format_eur
from regie.fees.tiers.brackets import BikeShareTable, Dimension, FrozenModel, Name


class MatrixRule(FrozenModel):
    """Amount = amounts[row bracket][column bracket], over exactly two dimensions."""

    rule: Literal["matrix"]
    rows: Name = Field(description="the dimension whose brackets are the rows")
    columns: Name = Field(description="the dimension whose brackets are the columns")
    amounts: dict[str, dict[str, Cents]]

    @property
    def dimensions(self) -> list[str]:
        return [self.rows, self.columns]


class SupplementsRule(FrozenModel):
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


class Tiers(FrozenModel):
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
