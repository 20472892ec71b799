"""The quality score: hand-computed components, renormalised weights, monotone in findings."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quality.config import ScoringFrame
from quality.notices import notices_frame
from quality.score import Completeness, compute_score
from regie.gtfs.tables import read_feed_tables

DAY = date(2024, 1, 1)
FRAME = ScoringFrame()  # weights 0.4 / 0.25 / 0.15 / 0.2; ERROR 25, WARNING 2, INFO 0 per finding per 1000 rows


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


def test_hand_computed_example() -> None:
    result = score()
    # 2000 rows: 1 ERROR = 0.5 per thousand x 25 = 12.5; 3 WARNING = 1.5 x 2 = 3; INFO free
    assert result.components["compliance"] == 84.5
    # 45 of 90 days ahead = 50; 73 of 365 days since change = 80; 0.6 x 50 + 0.4 x 80
    assert result.components["freshness"] == 62.0
    assert result.components["availability"] == 75.0
    # shapes 1, feed_info 0, translations 0, 0.5, 0.25 -> 1.75 / 5
    assert result.components["completeness"] == 35.0
    assert result.total == pytest.approx(0.4 * 84.5 + 0.25 * 62 + 0.15 * 75 + 0.2 * 35)  # 67.55
    assert result.details["compliance"]["findings"] == {"ERROR": 1, "WARNING": 3, "INFO": 5}
    assert result.details["compliance"]["rows"] == 2000
    assert result.details["freshness"]["days_until_expiry"] == 45
    assert result.details["freshness"]["days_since_change"] == 73
    assert result.details["availability"] == {"window_days": 30, "fetches": 4, "successes": 3, "score": 75.0}
    assert result.details["omitted"] == []
    json.dumps(result.details)


def test_compliance_waivers_and_floor() -> None:
    waived = score(notices=findings(1, 3, 5, waived_errors=1))
    assert waived.components["compliance"] == 97.0
    assert waived.details["compliance"]["waived_excluded"] == 1
    assert score(notices=findings(40)).components["compliance"] == 0.0  # 20 per thousand x 25 = 500
    assert score(notices=findings()).components["compliance"] == 100.0
    assert score(notices=findings(infos=1000)).components["compliance"] == 100.0
    custom = FRAME.model_copy(update={"compliance_penalty_per_thousand": {"ERROR": 10.0, "WARNING": 1.0, "INFO": 0.5}})
    assert score(frame=custom).components["compliance"] == pytest.approx(100 - 5 - 1.5 - 1.25)


def test_freshness_parts() -> None:
    assert score(feed_end=DAY + timedelta(days=200), last_changed=DAY).components["freshness"] == 100.0
    expired = score(feed_end=DAY - timedelta(days=1), last_changed=DAY - timedelta(days=400))
    assert expired.components["freshness"] == 0.0
    assert expired.details["freshness"]["days_until_expiry"] == -1
    no_dates = score(feed_end=None)
    assert no_dates.components["freshness"] == 0.4 * 80  # no validity ahead at all
    assert "no service date" in no_dates.details["freshness"]["validity_ahead_note"]
    unknown_change = score(last_changed=None)
    assert unknown_change.components["freshness"] == 50.0  # validity ahead alone
    assert unknown_change.details["freshness"]["mix"] == {"validity_ahead": 1.0}
    assert score(last_changed=DAY + timedelta(days=3)).details["freshness"]["parts"]["recency"] == 100.0


def test_unknown_availability_renormalises_the_weights() -> None:
    result = score(fetch_outcomes=[])
    assert "availability" not in result.components
    assert result.details["omitted"] == ["availability"]
    assert result.details["availability"]["score"] is None
    assert "renormalised" in result.details["availability"]["note"]
    assert result.total == pytest.approx((0.4 * 84.5 + 0.25 * 62 + 0.2 * 35) / 0.85, abs=0.005)  # 66.24
    assert sum(result.details["effective_weights"].values()) == pytest.approx(1.0)
    assert result.details["effective_weights"]["compliance"] == pytest.approx(0.4 / 0.85, abs=1e-6)
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
    assert result.components["completeness"] == pytest.approx(100 * (1 + 0.5 + 0.75) / 5)
    assert result.details["completeness"]["items"]["trips_wheelchair_accessible"] == 0.75
    full = Completeness(True, True, True, 1.0, 1.0)
    assert score(completeness=full).components["completeness"] == 100.0
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "agency.txt").write_text("agency_name,agency_url,agency_timezone\nA,https://a.example,UTC\n")
    assert Completeness.from_feed(read_feed_tables(bare)) == Completeness()


def test_deterministic() -> None:
    assert score() == score()


severity_counts = st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))


@settings(max_examples=60, deadline=None)
@given(base=severity_counts, extra=severity_counts, rows=st.integers(0, 200_000),
       outcomes=st.lists(st.booleans(), max_size=40))
def test_more_findings_never_raise_the_score(base, extra, rows, outcomes) -> None:
    more = tuple(b + e for b, e in zip(base, extra, strict=True))
    fewer_result = score(notices=findings(*base), row_counts={"stop_times": rows}, fetch_outcomes=outcomes)
    more_result = score(notices=findings(*more), row_counts={"stop_times": rows}, fetch_outcomes=outcomes)
    assert more_result.components["compliance"] <= fewer_result.components["compliance"]
    assert more_result.total <= fewer_result.total


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
