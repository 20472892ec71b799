"""The quality score with quality.yaml's scoring settings: values worked out by hand from the rules of quality.score."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quality.config import load_quality_config
from quality.notices import notices_frame
from quality.score import Completeness, compute_score
from regie.gtfs.feed_tables import read_feed_tables
from regie.store.paths import PROJECT_ROOT

DAY = date(2024, 1, 1)
FRAME = load_quality_config(PROJECT_ROOT / "configs" / "quality.yaml").scoring
WEIGHTS = {"compliance": 0.4, "freshness": 0.25, "availability": 0.15, "completeness": 0.2}
"""quality.yaml's weights, which every expected value below is worked out with."""


def findings(errors: int = 0, warnings: int = 0, infos: int = 0, *, waived_errors: int = 0):
    records = (
        [{"code": "e", "severity": "ERROR", "source": "canonical", "message": "m"}] * errors
        + [{"code": "w", "severity": "WARNING", "source": "regie", "message": "m"}] * warnings
        + [{"code": "i", "severity": "INFO", "source": "expectations", "message": "m"}] * infos
    )
    frame = notices_frame(records)
    if waived_errors:
        frame["waived"] = [index < waived_errors and severity == "ERROR"
                           for index, severity in enumerate(frame["severity"])]
    return frame


def score(**overrides):
    arguments = {
        "notices": findings(1, 3, 5),
        "row_counts": {"stops": 500, "stop_times": 1500},
        "frame": FRAME,
        "validation_date": DAY,
        "feed_end": DAY + timedelta(days=45),
        "last_changed": DAY - timedelta(days=73),
        "fetch_outcomes": [True, True, True, False],
        "completeness": Completeness(has_shapes=True, stops_wheelchair_boarding=0.5, trips_wheelchair_accessible=0.25),
    }
    arguments.update(overrides)
    return compute_score(**arguments)


def test_the_scoring_settings_of_quality_yaml() -> None:
    """The figures the hand computations below use: a changed setting must change them too."""
    assert {name: getattr(FRAME, name) for name in WEIGHTS} == WEIGHTS
    assert FRAME.compliance_penalty_per_thousand == {"ERROR": 25.0, "WARNING": 2.0, "INFO": 0.0}
    assert (FRAME.freshness_full_days_ahead, FRAME.freshness_stale_days, FRAME.availability_window_days) == (90, 365, 30)


def test_hand_computed_example() -> None:
    result = score()
    # 2000 rows: 1 ERROR = 0.5 per thousand x 25 = 12.5; 3 WARNING = 1.5 x 2 = 3; INFO free
    assert result.components["compliance"] == 84.5
    # 45 of 90 days ahead = 50; 73 of 365 days since change = 80; 0.6 x 50 + 0.4 x 80
    assert result.components["freshness"] == 62.0
    assert result.components["availability"] == 75.0
    # shapes 1, feed_info 0, translations 0, 0.5, 0.25 -> 1.75 / 5
    assert result.components["completeness"] == 35.0
    assert result.total == 67.55  # 0.4 x 84.5 + 0.25 x 62 + 0.15 x 75 + 0.2 x 35 = 33.8 + 15.5 + 11.25 + 7
    assert result.details["effective_weights"] == WEIGHTS
    assert result.details["compliance"]["penalty"] == {"ERROR": 12.5, "WARNING": 3.0, "INFO": 0.0}
    assert result.details["freshness"]["parts"] == {"validity_ahead": 50.0, "recency": 80.0}
    assert result.details["freshness"]["mix"] == {"validity_ahead": 0.6, "recency": 0.4}
    assert result.details["compliance"]["findings"] == {"ERROR": 1, "WARNING": 3, "INFO": 5}
    assert result.details["compliance"]["rows"] == 2000
    assert result.details["freshness"]["days_until_expiry"] == 45
    assert result.details["freshness"]["days_since_change"] == 73
    assert result.details["availability"] == {"window_days": 30, "fetches": 4, "successes": 3, "score": 75.0}
    assert result.details["omitted"] == []
    json.dumps(result.details)


def test_compliance_waivers_and_floor() -> None:
    waived = score(notices=findings(1, 3, 5, waived_errors=1))
    assert waived.components["compliance"] == 97.0  # the waived ERROR is not counted: 100 - 3
    assert waived.details["compliance"]["waived_excluded"] == 1
    assert score(notices=findings(40)).components["compliance"] == 0.0  # 20 per thousand x 25 = 500
    assert score(notices=findings()).components["compliance"] == 100.0
    assert score(notices=findings(infos=1000)).components["compliance"] == 100.0
    custom = FRAME.model_copy(update={"compliance_penalty_per_thousand": {"ERROR": 10.0, "WARNING": 1.0, "INFO": 0.5}})
    # 0.5 ERROR per thousand x 10 = 5; 1.5 WARNING x 1 = 1.5; 2.5 INFO x 0.5 = 1.25
    assert score(frame=custom).components["compliance"] == 92.25
    assert score(row_counts={}).components["compliance"] == 0.0  # no rows counts as 1: 1 ERROR x 25 x 1000


def test_freshness_parts() -> None:
    assert score(feed_end=DAY + timedelta(days=200), last_changed=DAY).components["freshness"] == 100.0
    expired = score(feed_end=DAY - timedelta(days=1), last_changed=DAY - timedelta(days=400))
    assert expired.components["freshness"] == 0.0
    assert expired.details["freshness"]["days_until_expiry"] == -1
    no_dates = score(feed_end=None)
    assert no_dates.components["freshness"] == 32.0  # no validity ahead at all: 0.6 x 0 + 0.4 x 80
    assert "no service date" in no_dates.details["freshness"]["validity_ahead_note"]
    unknown_change = score(last_changed=None)
    assert unknown_change.components["freshness"] == 50.0  # validity ahead alone
    assert unknown_change.details["freshness"]["mix"] == {"validity_ahead": 1.0}
    assert score(last_changed=DAY + timedelta(days=3)).details["freshness"]["parts"]["recency"] == 100.0
    # 9 of 90 days ahead = 10; 292 of 365 days since the change: 1 - 0.8 = 20; 0.6 x 10 + 0.4 x 20
    assert score(feed_end=DAY + timedelta(days=9), last_changed=DAY - timedelta(days=292)).components["freshness"] == 14.0


def test_unknown_availability_renormalises_the_weights() -> None:
    result = score(fetch_outcomes=[])
    assert "availability" not in result.components
    assert result.details["omitted"] == ["availability"]
    assert result.details["availability"]["score"] is None
    assert "renormalised" in result.details["availability"]["note"]
    assert result.total == 66.24  # (33.8 + 15.5 + 7) / (0.4 + 0.25 + 0.2) = 56.3 / 0.85 = 66.235...
    assert result.details["effective_weights"] == {"compliance": 0.470588, "freshness": 0.294118, "completeness": 0.235294}
    assert score(fetch_outcomes=[False] * 10).components["availability"] == 0.0


def test_completeness_from_feed(tmp_path: Path) -> None:
    files = {
        "stops.txt": "stop_id,stop_lat,stop_lon,location_type,wheelchair_boarding\n"
                     "A,1,1,0,1\nB,1,1,,0\nC,1,1,1,2\nD,1,1,0,\nN,1,1,3,\n",
        "trips.txt": "route_id,service_id,trip_id,wheelchair_accessible\nR,S,T1,1\nR,S,T2,2\nR,S,T3,\nR,S,T4,1\n",
        "shapes.txt": "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\nSH,1,1,1\n",
        "translations.txt": "table_name,field_name,language,translation\n",  # header only: absent
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    completeness = Completeness.from_feed(read_feed_tables(tmp_path))
    # generic node N does not count; A and C of A, B, C, D say something
    assert completeness == Completeness(has_shapes=True, has_feed_info=False, has_translations=False,
                                        stops_wheelchair_boarding=0.5, trips_wheelchair_accessible=0.75)
    result = score(completeness=completeness)
    assert result.components["completeness"] == 45.0  # (1 + 0 + 0 + 0.5 + 0.75) / 5
    assert result.details["completeness"]["items"]["trips_wheelchair_accessible"] == 0.75
    full = Completeness(True, True, True, 1.0, 1.0)
    assert score(completeness=full).components["completeness"] == 100.0
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "agency.txt").write_text("agency_name,agency_url,agency_timezone\nA,https://a.example,UTC\n")
    assert Completeness.from_feed(read_feed_tables(bare)) == Completeness()


NOTHING = {  # every component 0: 40 ERRORs on 2000 rows, expired and stale, every fetch failed, nothing extra
    "notices": findings(40), "feed_end": DAY - timedelta(days=1), "last_changed": DAY - timedelta(days=365),
    "fetch_outcomes": [False], "completeness": Completeness(),
}
FULL = {  # each component 100
    "compliance": {"notices": findings()},
    "freshness": {"feed_end": DAY + timedelta(days=90), "last_changed": DAY},
    "availability": {"fetch_outcomes": [True]},
    "completeness": {"completeness": Completeness(True, True, True, 1.0, 1.0)},
}


def test_nothing_scores_zero() -> None:
    result = score(**NOTHING)
    assert result.components == {"compliance": 0.0, "freshness": 0.0, "availability": 0.0, "completeness": 0.0}
    assert result.total == 0.0


@pytest.mark.parametrize("objective, total", [("compliance", 40.0), ("freshness", 25.0), ("availability", 15.0),
                                              ("completeness", 20.0)])
def test_each_objective_alone_gives_its_weight(objective: str, total: float) -> None:
    result = score(**(NOTHING | FULL[objective]))
    assert result.components == {name: 100.0 if name == objective else 0.0 for name in WEIGHTS}
    assert result.total == total


severity_counts = st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))


@settings(max_examples=60, deadline=None)
@given(counts=severity_counts, rows=st.integers(0, 200_000), outcomes=st.lists(st.booleans(), max_size=40))
def test_compliance_and_total_follow_the_formulas(counts, rows, outcomes) -> None:
    """compliance = 100 - (25 per ERROR + 2 per WARNING) per thousand rows, floored at 0; the total
    is the weighted mean of the known components (freshness 62 and completeness 35 as above)."""
    errors, warnings, _infos = counts
    result = score(notices=findings(*counts), row_counts={"stop_times": rows}, fetch_outcomes=outcomes)
    compliance = max(0.0, 100 - (25 * errors + 2 * warnings) * 1000 / max(rows, 1))
    assert result.components["compliance"] == pytest.approx(compliance, abs=0.006)
    components = {"compliance": compliance, "freshness": 62.0, "completeness": 35.0}
    if outcomes:
        components["availability"] = 100 * sum(outcomes) / len(outcomes)
    expected = sum(WEIGHTS[name] * value for name, value in components.items()) / sum(WEIGHTS[name] for name in components)
    assert result.total == pytest.approx(expected, abs=0.006)


@settings(max_examples=60, deadline=None)
@given(counts=severity_counts, rows=st.integers(0, 10_000_000), ahead=st.integers(-1000, 5000),
       since=st.one_of(st.none(), st.integers(-100, 5000)), outcomes=st.lists(st.booleans(), max_size=40),
       shares=st.tuples(st.floats(0, 1), st.floats(0, 1)), flags=st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_bounds(counts, rows, ahead, since, outcomes, shares, flags) -> None:
    result = score(
        notices=findings(*counts), row_counts={"stop_times": rows}, feed_end=DAY + timedelta(days=ahead),
        last_changed=None if since is None else DAY - timedelta(days=since), fetch_outcomes=outcomes,
        completeness=Completeness(*flags, *shares),
    )
    assert 0.0 <= result.total <= 100.0
    assert all(0.0 <= value <= 100.0 for value in result.components.values())
    assert set(result.components) == {"compliance", "freshness", "completeness"} | ({"availability"} if outcomes else set())
    json.dumps(result.details)
