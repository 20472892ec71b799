"""What-if on other tiers: before/after per operator and in total, budget and coverage on each
side, bracket changes; and the flags that say how a fee was measured."""

from __future__ import annotations

from pathlib import Path

from regie.fees.region import region_fees, what_if, what_if_summary
from regie.fees.tiers.loading import load_tiers
from tests.fees.test_fees import fee, operator, raw_config, tiers, write_config  # noqa: F401 - fixtures and helpers


def test_what_if_summary_has_totals_budget_coverage_and_bracket_changes(tmp_path: Path, tiers) -> None:  # noqa: F811
    data = raw_config()
    data["fee"]["amounts"]["S4"]["R4"] = 9_000
    data["annual_budget"] = data["annual_budget"] * 2
    first = data["dimensions"]["size"]["brackets"]
    first[0]["to"] = first[0]["to"] * 2  # the smallest bracket reaches further
    first[1]["from"] = first[0]["to"]
    alternative = load_tiers(write_config(tmp_path, data))
    ops = [operator("big", boardings=30_000_000), operator("small", boardings=100_000)]
    metrics = {"big": {"vehicle_km": 9e6}, "small": {"vehicle_km": first[0]["to"] * 0.75}}
    now = [fee(op, metrics[op.id], tiers) for op in ops]
    then = [fee(op, metrics[op.id], alternative) for op in ops]
    rows = what_if(now, then)
    result = what_if_summary(region_fees(now, tiers), region_fees(then, alternative), rows)
    assert result["total_cents"]["difference"] == result["total_cents"]["after"] - result["total_cents"]["before"]
    assert result["budget_cents"]["after"] == 2 * result["budget_cents"]["before"]
    assert result["coverage"]["after"] < result["coverage"]["before"] * 1.5
    small = next(row for row in rows if row["operator_id"] == "small")
    assert small["bracket_changes"] and small["bracket_changes"][0] == {"dimension": "size", "before": "S2", "after": "S1"}
    assert result["bracket_changes"] >= 1 and result["operators_changed"] >= 1


def test_a_service_period_measure_is_said_in_words(tiers) -> None:  # noqa: F811
    metrics = {"vehicle_km": 1e6, "fee_year": 2025, "covered_days": 26, "scale_factor": 1.0, "basis": "service_period",
               "measured_from": "2025-12-06", "measured_to": "2026-12-05", "measured_days": 365}
    statement = fee(operator(), metrics, tiers)
    flag = next(flag for flag in statement.flags if flag.code == "measured_over_service_period")
    assert "covers only 26 days of 2025" in flag.message and "2025-12-06 to 2026-12-05" in flag.message
    assert statement.inputs["metrics_context"]["basis"] == "service_period"
