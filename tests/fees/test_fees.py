"""Tiered integration fees: tiers.yaml validation and hash, brackets, pro rata, rounding, errors,
the region's summary, what-if, and the statement files."""

from __future__ import annotations

import copy
import json
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regie.config.loader import ConfigError
from regie.config.operators import Feed, Operator, Ridership
from regie.fees.compute import compute_fee
from regie.fees.region import region_fees, what_if
from regie.fees.results import FeeError, FeeStatement, round_half_up
from regie.fees.statements import (
    write_fee_statement_html,
    write_fee_statement_json,
    write_region_summary_html,
    write_region_summary_json,
)
from regie.fees.tiers.loading import load_tiers, tiers_hash
from regie.fees.tiers.model import Tiers

SHIPPED = Path(__file__).resolve().parents[2] / "configs" / "tiers.yaml"


@pytest.fixture(scope="module")
def tiers() -> Tiers:
    return load_tiers(SHIPPED)


@pytest.fixture(scope="module")
def default_hash(tiers: Tiers) -> str:
    return tiers_hash(tiers)


def operator(
    operator_id: str = "hiribus",
    *,
    name: str = "Hiribus",
    boardings: int | None = 1_000_000,
    year: int = 2025,
    estimated: bool = False,
    member_from: date = date(2020, 1, 1),
    member_until: date | None = None,
    modes: tuple[str, ...] = ("bus",),
) -> Operator:
    ridership = Ridership(boardings=boardings, year=year, estimated=estimated) if boardings is not None else None
    return Operator(
        id=operator_id, name=name, modes=list(modes), contact="data@example.org", licence="CC-BY-4.0",
        openness="open", ridership=ridership, member_from=member_from, member_until=member_until,
        feeds=[Feed(id="gtfs", kind="gtfs", url="https://example.org/feed.zip")],
    )


def fee(op: Operator, metrics: dict[str, Any] | None, tiers: Tiers, *, kind: str = "timetable",
        fee_year: int = 2025, **kwargs: Any):
    return compute_fee(operator=op, metrics=metrics, kind=kind, tiers=tiers, fee_year=fee_year,
                       feed_version="f" * 64, tiers_hash=tiers_hash(tiers), **kwargs)


def raw_config() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def write_config(tmp_path: Path, data: dict[str, Any], name: str = "tiers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# --- the shipped configuration ------------------------------------------------------------------


def test_shipped_tiers_load_and_span_1500_to_8000_eur(tiers: Tiers) -> None:
    assert tiers.currency == "EUR"
    assert tiers.annual_budget == 50_000_00
    amounts = tiers.amounts()
    assert min(amounts) == 1_500_00
    assert max(amounts) == 8_000_00
    assert all(1_500_00 <= amount <= 8_000_00 for amount in amounts)
    assert [b.name for b in tiers.dimensions["size"].brackets] == ["S1", "S2", "S3", "S4"]
    assert [b.name for b in tiers.bike_share.brackets] == ["B1", "B2", "B3"]


def test_realistic_region_averages_about_6000_eur(tiers: Tiers) -> None:
    """Operators shaped like the Basque cross-border pool (annual vehicle-km, boardings)."""
    networks = [(15e6, 54e6), (7e6, 100e6), (8e6, 30e6), (25e6, 30e6), (6e6, 34e6), (5.5e6, 10.7e6),
                (3e6, 15e6), (1.5e6, 7e6), (7e6, 12e6), (3e6, 1e6), (1e6, 2e6)]
    results = [fee(operator(f"op{i}", boardings=int(b)), {"vehicle_km": v}, tiers) for i, (v, b) in enumerate(networks)]
    results += [fee(operator(f"bike{i}", boardings=None, modes=("bike_share",)), {"stations": s}, tiers, kind="bike_share")
                for i, s in enumerate([46, 40, 120])]
    summary = region_fees(results, tiers)
    assert summary.complete
    assert 5_000_00 <= summary.average_cents <= 7_000_00


# --- brackets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("vehicle_km", "boardings", "expected"), [
    (0, 1, {"size": "S1", "ridership": "R1"}),
    (249_999.99, 499_999, {"size": "S1", "ridership": "R1"}),
    (250_000, 500_000, {"size": "S2", "ridership": "R2"}),          # exactly on a threshold: upper bracket
    (999_999.9, 4_999_999, {"size": "S2", "ridership": "R2"}),
    (1_000_000, 5_000_000, {"size": "S3", "ridership": "R3"}),
    (4_999_999.99, 19_999_999, {"size": "S3", "ridership": "R3"}),
    (5_000_000, 20_000_000, {"size": "S4", "ridership": "R4"}),
    (1e12, 2_000_000_000, {"size": "S4", "ridership": "R4"}),
])
def test_bracket_boundaries(tiers: Tiers, vehicle_km: float, boardings: int, expected: dict[str, str]) -> None:
    result = fee(operator(boardings=boardings), {"vehicle_km": vehicle_km}, tiers)
    assert isinstance(result, FeeStatement), result
    assert result.brackets == expected


@pytest.mark.parametrize(("stations", "bracket", "cents"), [
    (0, "B1", 1_500_00), (49, "B1", 1_500_00), (50, "B2", 3_000_00), (199, "B2", 3_000_00), (200, "B3", 4_500_00),
])
def test_bike_share_brackets(tiers: Tiers, stations: int, bracket: str, cents: int) -> None:
    result = fee(operator("bizi", boardings=None, modes=("bike_share",)), {"stations": stations, "vehicles": 3},
                 tiers, kind="bike_share")
    assert isinstance(result, FeeStatement), result
    assert result.brackets == {"bike_share": bracket}
    assert result.amount_cents == cents
    assert result.inputs["ridership"] is None  # bike share fees do not use ridership


def test_statement_explains_each_bracket(tiers: Tiers) -> None:
    result = fee(operator(boardings=4_200_000), {"vehicle_km": 1_240_000, "trips": 10}, tiers)
    assert isinstance(result, FeeStatement)
    sentences = [placement.explanation for placement in result.placements]
    assert sentences == [
        "network size S3: 1.24 M vehicle-km ≥ 1 M and < 5 M",
        "ridership R2: 4.2 M boardings ≥ 500,000 and < 5 M",
    ]
    assert result.amount_cents == 4_500_00
    assert result.inputs["metrics"] == {"vehicle_km": 1_240_000}


def test_explanation_never_shows_a_figure_equal_to_the_threshold_it_is_below(tiers: Tiers) -> None:
    result = fee(operator(), {"vehicle_km": 999_999.999}, tiers)
    assert isinstance(result, FeeStatement)
    sentence = result.placements[0].explanation
    assert sentence.startswith("network size S2: 999,999.999 vehicle-km")
    on_threshold = fee(operator(), {"vehicle_km": 1_000_000}, tiers)
    assert on_threshold.placements[0].explanation == "network size S3: 1 M vehicle-km ≥ 1 M and < 5 M"


# --- invalid configurations ---------------------------------------------------------------------


def _brackets(data: dict[str, Any], dimension: str) -> list[dict[str, Any]]:
    return data["dimensions"][dimension]["brackets"]


def _overlap(data):
    _brackets(data, "size")[1]["from"] = 200_000


def _gap(data):
    _brackets(data, "size")[1]["from"] = 300_000


def _unordered(data):
    brackets = _brackets(data, "ridership")
    brackets[1], brackets[2] = brackets[2], brackets[1]


def _missing_cell(data):
    del data["fee"]["amounts"]["S3"]["R4"]


def _not_from_zero(data):
    _brackets(data, "size")[0]["from"] = 1_000


def _duplicate(data):
    _brackets(data, "ridership")[2]["name"] = "R2"


def _open_not_last(data):
    _brackets(data, "size")[2]["to"] = None


def _to_before_from(data):
    _brackets(data, "size")[1]["to"] = 100_000


def _not_monotone(data):
    data["fee"]["amounts"]["S3"]["R2"] = 2_000


def _fraction_of_a_cent(data):
    data["fee"]["amounts"]["S1"]["R1"] = 1500.005


def _unknown_metric(data):
    data["dimensions"]["size"]["metric"] = "passenger_km"


def _bike_share_gap(data):
    data["bike_share"]["brackets"][2]["from"] = 250


def _unknown_row(data):
    data["fee"]["amounts"]["S9"] = data["fee"]["amounts"]["S4"]


def _third_dimension(data):
    data["dimensions"]["stops"] = {"metric": "stops_served", "brackets": [{"name": "T1", "from": 0, "to": None}]}


@pytest.mark.parametrize(("break_it", "message"), [
    (_overlap, r"key 'dimensions\.size\.brackets'.*bracket 'S2' starts at 200,000 but 'S1' ends at 250,000: "
               r"the brackets overlap"),
    (_gap, r"key 'dimensions\.size\.brackets'.*gap between bracket 'S1' \(to 250,000\) and 'S2' \(from 300,000\)"),
    (_unordered, r"key 'dimensions\.ridership\.brackets'.*bracket 'R2' \(from 500,000\) is listed after 'R3'.*increasing order"),
    (_missing_cell, r"key 'fee'.*matrix cell size 'S3' × ridership 'R4' is missing"),
    (_not_from_zero, r"key 'dimensions\.size\.brackets'.*first bracket 'S1' starts at 1,000, not 0"),
    (_duplicate, r"key 'dimensions\.ridership\.brackets'.*bracket name 'R2' is used twice"),
    (_open_not_last, r"key 'dimensions\.size\.brackets'.*bracket 'S3' is open \(to: null\) but is not the last"),
    (_to_before_from, r"key 'dimensions\.size\.brackets'.*bracket 'S2': to \(100,000\) must be greater than from"),
    (_not_monotone, r"key 'fee'.*size 'S3' × ridership 'R2'.*never pay less"),
    (_fraction_of_a_cent, r"key 'fee\.matrix\.amounts\.S1\.R1'.*at most 2 decimals"),
    (_unknown_metric, r"key 'dimensions\.size\.metric'"),
    (_bike_share_gap, r"key 'bike_share\.brackets'.*gap between bracket 'B2'.*'B3'"),
    (_unknown_row, r"key 'fee'.*matrix row 'S9' is not a bracket of size"),
    (_third_dimension, r"key 'fee'.*dimension 'stops' is not used by the matrix"),
])
def test_invalid_tiers_are_rejected_naming_file_dimension_and_bracket(tmp_path: Path, break_it, message: str) -> None:
    data = raw_config()
    break_it(data)
    path = write_config(tmp_path, data)
    with pytest.raises(ConfigError, match=message) as caught:
        load_tiers(path)
    assert str(path) in str(caught.value)


def test_unknown_bracket_key_suggests_yaml_names(tmp_path: Path) -> None:
    data = raw_config()
    data["bike_share"]["brackets"][0]["form"] = 0
    expected = r"bike_share\.brackets\[0\]\.form': unknown key \(expected one of: amount, from, name, to\)"
    with pytest.raises(ConfigError, match=expected):
        load_tiers(write_config(tmp_path, data))


def test_base_plus_supplements_must_cover_every_bracket(tmp_path: Path) -> None:
    data = raw_config()
    data["fee"] = {"rule": "base_plus_supplements", "base": 1500,
                   "supplements": {"size": {"S1": 0, "S2": 1000, "S3": 2000, "S4": 3000},
                                   "ridership": {"R1": 0, "R2": 500, "R4": 1500}}}
    with pytest.raises(ConfigError, match=r"key 'fee'.*dimension 'ridership': bracket 'R3' has no supplement"):
        load_tiers(write_config(tmp_path, data))


# --- the tiers hash -----------------------------------------------------------------------------


def test_tiers_hash_ignores_formatting_and_changes_with_an_amount(tmp_path: Path, default_hash: str) -> None:
    assert tiers_hash(SHIPPED) == default_hash
    data = raw_config()
    # the same content, written differently: no comments, other key order, block style, 1500.0 for 1500
    reordered = {"bike_share": data["bike_share"], "fee": data["fee"], "dimensions": data["dimensions"],
                 "annual_budget": float(data["annual_budget"]), "currency": data["currency"]}
    reordered = copy.deepcopy(reordered)
    reordered["fee"]["amounts"]["S1"]["R1"] = 1500.0
    text = yaml.safe_dump(reordered, sort_keys=True, default_flow_style=False)
    reformatted = tmp_path / "reformatted.yaml"
    reformatted.write_text("# reformatted\n" + text.replace("1500.0", "1_500"), encoding="utf-8")
    assert tiers_hash(reformatted) == default_hash

    changed = raw_config()
    changed["fee"]["amounts"]["S2"]["R2"] = 3_600
    assert tiers_hash(write_config(tmp_path, changed, "changed.yaml")) != default_hash
    budget = raw_config()
    budget["annual_budget"] = 60_000
    assert tiers_hash(write_config(tmp_path, budget, "budget.yaml")) != default_hash


# --- ridership ----------------------------------------------------------------------------------


def test_missing_ridership_is_an_error_and_the_others_are_still_computed(tiers: Tiers) -> None:
    results = [
        fee(operator("hiribus"), {"vehicle_km": 6e6}, tiers),
        fee(operator("txingudi-ferry", name="Txingudi Ferry", boardings=None), {"vehicle_km": 40_000}, tiers),
        fee(operator("bizi", boardings=None, modes=("bike_share",)), {"stations": 60}, tiers, kind="bike_share"),
    ]
    error = results[1]
    assert isinstance(error, FeeError)
    assert error.code == "missing_ridership"
    assert error.message == ("operator txingudi-ferry has no declared ridership: "
                             "add ridership {boardings, year} to operators.yaml")
    summary = region_fees(results, tiers)
    assert [s.operator_id for s in summary.statements] == ["hiribus", "bizi"]
    assert summary.total_cents == 5_500_00 + 3_000_00
    assert [e.operator_id for e in summary.errors] == ["txingudi-ferry"]
    assert not summary.complete
    data = summary.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["errors"][0]["code"] == "missing_ridership"
    assert data["count_by_bracket"]["size"] == {"S1": 0, "S2": 0, "S3": 0, "S4": 1}
    assert data["count_by_bracket"]["bike_share"] == {"B1": 0, "B2": 1, "B3": 0}
    assert data["coverage"] == pytest.approx(8_500 / 50_000)


def test_stale_estimated_ridership_is_computed_and_flagged(tiers: Tiers) -> None:
    result = fee(operator(boardings=6_000_000, year=2021, estimated=True), {"vehicle_km": 2e6}, tiers, fee_year=2025)
    assert isinstance(result, FeeStatement), result
    assert result.amount_cents == 6_000_00
    assert [flag.code for flag in result.flags] == ["estimated_ridership"]
    assert "2021" in result.flags[0].message
    assert result.inputs["ridership"] == {"boardings": 6_000_000, "year": 2021, "estimated": True, "source": None}


def test_stale_declared_ridership_is_an_error(tiers: Tiers) -> None:
    result = fee(operator(boardings=6_000_000, year=2022), {"vehicle_km": 2e6}, tiers, fee_year=2025)
    assert isinstance(result, FeeError)
    assert result.code == "stale_ridership"
    assert "2022" in result.message and "estimated: true" in result.message
    # two years old is still fine by default; the limit is a parameter
    assert isinstance(fee(operator(year=2023), {"vehicle_km": 2e6}, tiers, fee_year=2025), FeeStatement)
    assert isinstance(fee(operator(year=2023), {"vehicle_km": 2e6}, tiers, fee_year=2025, max_ridership_age_years=1),
                      FeeError)


def test_ridership_after_the_fee_year_is_an_error(tiers: Tiers) -> None:
    result = fee(operator(year=2026), {"vehicle_km": 2e6}, tiers, fee_year=2025)
    assert isinstance(result, FeeError) and result.code == "future_ridership"


# --- metrics ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("metrics", "code"), [
    (None, "missing_metrics"),
    ({}, "missing_metrics"),
    ({"trips": 10}, "missing_metrics"),
    ({"vehicle_km": float("nan")}, "invalid_metric"),
    ({"vehicle_km": -1}, "invalid_metric"),
    ({"vehicle_km": "many"}, "invalid_metric"),
    ({"vehicle_km": 1e6, "fee_year": 2024}, "metrics_year_mismatch"),
    ({"vehicle_km": 0.0, "covered_days": 0, "scale_factor": 0.0}, "no_service_in_year"),
])
def test_missing_or_unusable_metrics_are_errors_never_zero(tiers: Tiers, metrics, code: str) -> None:
    result = fee(operator(), metrics, tiers)
    assert isinstance(result, FeeError), result
    assert result.code == code
    assert "hiribus" in result.message


def test_scaled_metrics_are_flagged_and_recorded(tiers: Tiers) -> None:
    metrics = {"fee_year": 2025, "covered_days": 146, "scale_factor": 2.5, "vehicle_km": 1_500_000.0,
               "measured": {"vehicle_km": 600_000.0, "trips": 1}, "vehicle_km_method": "shape_geometry",
               "warnings": ["3 trips have no shape"]}
    result = fee(operator(), metrics, tiers)
    assert isinstance(result, FeeStatement)
    assert [flag.code for flag in result.flags] == ["metrics_scaled", "metrics_warning"]
    assert "146 covered days" in result.flags[0].message
    assert result.inputs["measured"] == {"vehicle_km": 600_000.0}
    assert result.inputs["metrics_context"]["scale_factor"] == 2.5


def test_not_a_member_in_the_fee_year(tiers: Tiers) -> None:
    result = fee(operator(member_from=date(2026, 3, 1)), {"vehicle_km": 1e6}, tiers, fee_year=2025)
    assert isinstance(result, FeeError) and result.code == "not_a_member"


# --- pro rata and rounding ----------------------------------------------------------------------


def test_pro_rata_from_mid_year_in_exact_cents(tiers: Tiers) -> None:
    # S2 × R2 = 3,500 EUR a year; member from 1 April 2025: 275 of 365 days
    result = fee(operator(member_from=date(2025, 4, 1)), {"vehicle_km": 500_000}, tiers, fee_year=2025)
    assert isinstance(result, FeeStatement)
    assert result.rule_amount_cents == 3_500_00
    assert (result.pro_rata.days, result.pro_rata.days_in_year) == (275, 365)
    assert result.exact_cents == Fraction(350_000 * 275, 365)          # 263,698.630… cents
    assert result.amount_cents == 263_699
    assert result.amount_cents != round(350_000 * round(275 / 365, 4))  # a rounded factor would give 263,690
    data = result.to_dict()
    assert data["pro_rata"]["factor"] == "275/365"
    assert data["pro_rata"]["period_start"] == "2025-04-01"
    assert data["amount_eur"] == "2636.99"
    assert [flag.code for flag in result.flags] == ["pro_rata"]


def test_member_until_is_inclusive(tiers: Tiers) -> None:
    result = fee(operator(member_from=date(2020, 1, 1), member_until=date(2025, 1, 31)),
                 {"vehicle_km": 500_000}, tiers, fee_year=2025)
    assert isinstance(result, FeeStatement)
    assert result.pro_rata.days == 31
    assert result.amount_cents == round_half_up(Fraction(350_000 * 31, 365))


def test_half_a_cent_rounds_up_once(tmp_path: Path) -> None:
    data = raw_config()
    data["fee"]["amounts"]["S1"]["R1"] = 1500.01
    tiers = load_tiers(write_config(tmp_path, data))
    # 2024 has 366 days; 1 Jan .. 1 Jul 2024 is 183 days: 150,001 × 183/366 = 75,000.5 cents
    result = fee(operator(boardings=10, year=2024, member_from=date(2020, 1, 1), member_until=date(2024, 7, 1)),
                 {"vehicle_km": 10}, tiers, fee_year=2024)
    assert isinstance(result, FeeStatement), result
    assert result.exact_cents == Fraction(150_001, 2)
    assert result.amount_cents == 75_001                                 # half-up, not banker's 75,000
    assert round(result.exact_cents) == 75_000


def test_base_plus_supplements_is_rounded_once_not_per_part(tmp_path: Path) -> None:
    data = raw_config()
    data["fee"] = {"rule": "base_plus_supplements", "base": 1500,
                   "supplements": {"size": {"S1": 0, "S2": 1000, "S3": 2000, "S4": 3000},
                                   "ridership": {"R1": 0, "R2": 500, "R3": 1500, "R4": 3500}}}
    tiers = load_tiers(write_config(tmp_path, data))
    # base 1,500 + S2 1,000 for 8 days (24..31 Dec): 3,287.67 + 2,191.78 cents; rounded per part 5,480, once 5,479
    result = fee(operator(boardings=10, member_from=date(2025, 12, 24)), {"vehicle_km": 300_000}, tiers, fee_year=2025)
    assert isinstance(result, FeeStatement), result
    assert result.rule_parts == (("base", 1_500_00), ("size S2 supplement", 1_000_00), ("ridership R1 supplement", 0))
    per_part = round_half_up(Fraction(150_000 * 8, 365)) + round_half_up(Fraction(100_000 * 8, 365))
    assert per_part == 5_480
    assert result.amount_cents == 5_479


# --- monotonicity -------------------------------------------------------------------------------

FIGURES = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
BOARDINGS = st.integers(min_value=1, max_value=2_000_000_000)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(km=st.tuples(FIGURES, FIGURES), boardings=st.tuples(BOARDINGS, BOARDINGS),
       other=st.dictionaries(st.sampled_from(["trips", "service_hours", "stops_served", "routes"]), FIGURES))
def test_a_larger_network_or_ridership_never_pays_less(tiers: Tiers, km, boardings, other) -> None:
    small_km, large_km = sorted(km)
    small_b, large_b = sorted(boardings)

    def amount(vehicle_km: float, riders: int) -> int:
        result = fee(operator(boardings=riders), {**other, "vehicle_km": vehicle_km}, tiers)
        assert isinstance(result, FeeStatement), result
        return result.amount_cents

    base = amount(small_km, small_b)
    assert base <= amount(large_km, small_b)
    assert base <= amount(small_km, large_b)
    assert amount(large_km, small_b) <= amount(large_km, large_b)
    assert 1_500_00 <= base <= 8_000_00


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stations=st.tuples(st.integers(0, 100_000), st.integers(0, 100_000)))
def test_a_larger_bike_share_never_pays_less(tiers: Tiers, stations) -> None:
    small, large = sorted(stations)
    bike = operator("bizi", boardings=None, modes=("bike_share",))
    before = fee(bike, {"stations": small}, tiers, kind="bike_share")
    after = fee(bike, {"stations": large}, tiers, kind="bike_share")
    assert before.amount_cents <= after.amount_cents


# --- what if, outputs ---------------------------------------------------------------------------


def test_what_if_compares_operator_by_operator(tmp_path: Path, tiers: Tiers) -> None:
    data = raw_config()
    data["fee"]["amounts"]["S4"]["R4"] = 9_000
    alternative = load_tiers(write_config(tmp_path, data))
    ops = [operator("big", boardings=30_000_000), operator("small", boardings=100_000),
           operator("none", boardings=None)]
    metrics = {"big": {"vehicle_km": 9e6}, "small": {"vehicle_km": 1e5}, "none": {"vehicle_km": 1e5}}
    now = [fee(op, metrics[op.id], tiers) for op in ops]
    then = [fee(op, metrics[op.id], alternative) for op in ops]
    rows = what_if(now, then)
    assert [(r["operator_id"], r["before_cents"], r["after_cents"], r["difference_cents"]) for r in rows] == [
        ("big", 8_000_00, 9_000_00, 1_000_00), ("small", 1_500_00, 1_500_00, 0), ("none", None, None, None)]
    assert "no declared ridership" in rows[2]["before_error"]

    summary = region_fees(now, tiers)
    write_region_summary_json(summary, tmp_path / "region.json", what_if=rows)
    written = json.loads((tmp_path / "region.json").read_text(encoding="utf-8"))
    assert written["total_cents"] == 9_500_00
    assert written["what_if_totals"] == {"before": 9_500_00, "after": 10_500_00, "difference": 1_000_00}
    write_region_summary_html(summary, tmp_path / "region.html", what_if=rows,
                              statement_links={"big": "big.html", "small": "javascript:alert(1)"})
    page = (tmp_path / "region.html").read_text(encoding="utf-8")
    assert "9,500.00 EUR" in page and "+1,000.00 EUR" in page
    assert 'href="big.html"' in page and "javascript:" not in page


def test_region_fees_rejects_an_operator_twice(tiers: Tiers) -> None:
    result = fee(operator(), {"vehicle_km": 1e6}, tiers)
    with pytest.raises(ValueError, match="appears twice"):
        region_fees([result, result], tiers)


def test_statement_json_is_strict_and_complete(tmp_path: Path, tiers: Tiers, default_hash: str) -> None:
    result = fee(operator(member_from=date(2025, 4, 1)), {"vehicle_km": 1_240_000}, tiers)
    path = tmp_path / "statement.json"
    write_fee_statement_json(result, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["operator"] == {"id": "hiribus", "name": "Hiribus"}
    assert data["tiers_hash"] == default_hash
    assert data["feed_version"] == "f" * 64
    assert data["amount_cents"] == result.amount_cents
    assert data["rounding"]["exact_cents"] == f"{result.exact_cents.numerator}/{result.exact_cents.denominator}"
    assert [b["bracket"] for b in data["brackets"]] == ["S3", "R2"]
    error = fee(operator(boardings=None), {"vehicle_km": 1e6}, tiers)
    write_fee_statement_json(error, tmp_path / "error.json")
    assert json.loads((tmp_path / "error.json").read_text(encoding="utf-8"))["code"] == "missing_ridership"


def test_html_statement_escapes_a_hostile_operator_name(tmp_path: Path, tiers: Tiers) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> & "Co"'
    result = fee(operator(name=hostile, member_from=date(2025, 7, 1)), {"vehicle_km": 1_240_000,
                 "warnings": ["<b>bold</b> warning"]}, tiers)
    assert isinstance(result, FeeStatement)
    path = tmp_path / "statement.html"
    write_fee_statement_html(result, path)
    page = path.read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&amp; &#34;Co&#34;" in page
    assert "Content-Security-Policy" in page and "script-src" not in page
    assert "@media print" in page and "size: A4" in page
    assert result.tiers_hash in page and "f" * 64 in page
    assert "2,636.99" not in page  # a 1,240,000 vehicle-km operator is S3 × R2 (4,500 EUR): 184/365 of it
    assert "2,268.49 EUR" in page and "184/365" in page

    summary = region_fees([result], tiers)
    write_region_summary_html(summary, tmp_path / "region.html")
    region_page = (tmp_path / "region.html").read_text(encoding="utf-8")
    assert "<script" not in region_page and "&lt;script&gt;" in region_page
