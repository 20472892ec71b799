"""The region's fees for one year: the total against the annual budget, the operators per
bracket, the errors beside them; and what-if, operator by operator, against other results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from regie.fees.results import STATEMENT_FORMAT, FeeError, FeeResult, FeeStatement, round_half_up
from regie.fees.tiers.amounts import cents_to_eur_text
from regie.fees.tiers.loading import tiers_hash as compute_tiers_hash
from regie.fees.tiers.model import Tiers


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
            "bracket_changes": _bracket_changes(old, new),
        })
    return rows


def _bracket_changes(old: FeeResult | None, new: FeeResult | None) -> list[dict[str, str | None]]:
    """Each dimension whose bracket differs: {dimension, before, after} (None: no bracket on that side)."""
    before = old.brackets if isinstance(old, FeeStatement) else {}
    after = new.brackets if isinstance(new, FeeStatement) else {}
    return [{"dimension": dimension, "before": before.get(dimension), "after": after.get(dimension)}
            for dimension in list(before) + [d for d in after if d not in before]
            if before.get(dimension) != after.get(dimension)]


def what_if_summary(before: RegionSummary, after: RegionSummary,
                    rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The region before and after other tiers: total, budget and coverage on each side and the
    differences, the operators whose fee or brackets change, and each side's errors."""
    return {
        "total_cents": {"before": before.total_cents, "after": after.total_cents,
                        "difference": after.total_cents - before.total_cents},
        "budget_cents": {"before": before.budget_cents, "after": after.budget_cents,
                         "difference": after.budget_cents - before.budget_cents},
        "coverage": {"before": round(before.coverage, 6), "after": round(after.coverage, 6)},
        "tiers_hash": {"before": before.tiers_hash, "after": after.tiers_hash},
        "operators_changed": sum(1 for row in rows if row["difference_cents"] or row["bracket_changes"]),
        "bracket_changes": sum(len(row["bracket_changes"]) for row in rows),
        "errors": {"before": len(before.errors), "after": len(after.errors)},
        "operators": list(rows),
    }
