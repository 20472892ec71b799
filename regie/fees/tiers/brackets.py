"""Brackets (tranches) of the tiers: `[from, to)`, checked to start at 0, be ordered, touch and
have unique names; the dimensions they belong to and the bike-share table."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from regie.fees.tiers.amounts import Cents, Figure, Metric, format_eur, format_figure

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]


class FrozenModel(BaseModel):
    """Base of the tiers' models: frozen, unknown keys refused, fields by name or alias."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Bracket(FrozenModel):
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


def check_brackets(brackets: list[Bracket]) -> None:
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


class Dimension(FrozenModel):
    """A named axis of the fee: a metric and its brackets."""

    metric: Metric
    label: str | None = Field(None, min_length=1, max_length=60, description="shown in statements; default: the name")
    brackets: list[Bracket] = Field(min_length=1)

    @field_validator("brackets")
    @classmethod
    def _valid_brackets(cls, brackets: list[Bracket]) -> list[Bracket]:
        check_brackets(brackets)
        return brackets

    @property
    def names(self) -> list[str]:
        return [bracket.name for bracket in self.brackets]

    def bracket_for(self, value: float) -> Bracket | None:
        """The bracket holding `value` (None above a closed last bracket)."""
        return _find(self.brackets, value)


class BikeShareBracket(Bracket):
    amount: Cents


class BikeShareTable(FrozenModel):
    """Operators without timetables (bike share, car share): one amount per bracket of stations or vehicles."""

    metric: Literal["stations", "vehicles"]
    label: str | None = Field(None, min_length=1, max_length=60)
    brackets: list[BikeShareBracket] = Field(min_length=1)

    @field_validator("brackets")
    @classmethod
    def _valid_brackets(cls, brackets: list[BikeShareBracket]) -> list[BikeShareBracket]:
        check_brackets(list(brackets))
        for previous, bracket in zip(brackets, brackets[1:], strict=False):
            if bracket.amount < previous.amount:
                raise ValueError(
                    f"bracket '{bracket.name}' pays {format_eur(bracket.amount)}, less than '{previous.name}' "
                    f"({format_eur(previous.amount)}): a larger operator must never pay less"
                )
        return brackets

    def bracket_for(self, value: float) -> BikeShareBracket | None:
        return _find(list(self.brackets), value)  # type: ignore[return-value]
