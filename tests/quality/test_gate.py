"""The gate: blocking codes, waivers (scoped, expiring), and which version is in force."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from quality.config import Blocking, QualityConfig, Waiver
from quality.gate import Candidate, apply_gate, choose_accepted, expiry_status
from quality.notices import notice, notices_frame

AS_OF = date(2026, 3, 1)


def _notices():
    return notices_frame([
        notice("equal_shape_distance_diff_coordinates", "ERROR", "canonical", "m", file="shapes.txt", row=10, shapeId="A"),
        notice("equal_shape_distance_diff_coordinates", "ERROR", "canonical", "m", file="shapes.txt", row=20, shapeId="B"),
        notice("foreign_key_violation", "ERROR", "canonical", "m", file="trips.txt", row=3),
        notice("missing_recommended_field", "WARNING", "canonical", "m", file="agency.txt", row=2),
        notice("stop_outside_region", "WARNING", "regie", "m", file="stops.txt", row=5, stop_id="S1"),
    ])


def _waiver(**overrides) -> Waiver:
    values = dict(code="equal_shape_distance_diff_coordinates", reason="known shape issue", granted_by="Authority",
                  expires=date(2026, 6, 30))
    return Waiver(**{**values, **overrides})


def test_every_unwaived_error_blocks_expiry_included():
    expired = notices_frame([notice("feed_expired", "ERROR", "regie", "m", file="calendar.txt")])
    assert apply_gate(expired, Blocking(), [], AS_OF)[0]["blocking"].tolist() == [True]


def test_an_error_cannot_be_excepted_from_blocking_only_waived():
    with pytest.raises(ValueError, match="ERROR must be listed"):
        Blocking(severities=["WARNING"])
    with pytest.raises(ValueError, match="feed_expired cannot be excepted"):
        Blocking(except_codes=["feed_expired"])
    gated, _ = apply_gate(_notices(), Blocking(except_codes=["foreign_key_violation"]), [], AS_OF)
    assert gated["blocking"].tolist() == [True, True, True, False, False]  # an ERROR blocks all the same


def test_errors_block():
    gated, uses = apply_gate(_notices(), Blocking(), [], AS_OF)
    assert gated["blocking"].tolist() == [True, True, True, False, False]
    assert not gated["waived"].any() and uses == []


def test_blocking_is_configurable_per_code():
    blocking = Blocking(severities=["ERROR", "WARNING"], except_codes=["missing_recommended_field"])
    gated, _ = apply_gate(_notices(), blocking, [], AS_OF)
    assert gated["blocking"].tolist() == [True, True, True, False, True]
    also, _ = apply_gate(_notices(), Blocking(also_codes=["stop_outside_region"]), [], AS_OF)
    assert also["blocking"].tolist() == [True, True, True, False, True]


def test_a_waiver_marks_findings_waived_but_keeps_them():
    gated, uses = apply_gate(_notices(), Blocking(), [_waiver()], AS_OF)
    assert len(gated) == 5  # still reported
    assert gated["waived"].tolist() == [True, True, False, False, False]
    assert gated["waiver"].iloc[0] == "known shape issue (granted by Authority, until 2026-06-30)"
    assert uses[0].active and uses[0].matched == 2


def test_a_waiver_scoped_by_file_and_filter():
    by_filter, _ = apply_gate(_notices(), Blocking(), [_waiver(filter={"shapeId": "B"})], AS_OF)
    assert by_filter["waived"].tolist() == [False, True, False, False, False]
    by_list, _ = apply_gate(_notices(), Blocking(), [_waiver(filter={"shapeId": ["A", "B"]})], AS_OF)
    assert by_list["waived"].sum() == 2
    other_file, uses = apply_gate(_notices(), Blocking(), [_waiver(file="stops.txt")], AS_OF)
    assert not other_file["waived"].any() and uses[0].matched == 0
    by_row, _ = apply_gate(_notices(), Blocking(), [_waiver(filter={"row": "20"})], AS_OF)
    assert by_row["waived"].tolist() == [False, True, False, False, False]


def test_an_expired_waiver_stops_applying():
    gated, uses = apply_gate(_notices(), Blocking(), [_waiver(expires=AS_OF - timedelta(days=1))], AS_OF)
    assert not gated["waived"].any()
    assert not uses[0].active and uses[0].matched == 2
    on_the_day, _ = apply_gate(_notices(), Blocking(), [_waiver(expires=AS_OF)], AS_OF)
    assert on_the_day["waived"].sum() == 2  # valid through its expiry date


def test_waivers_are_validated_in_quality_yaml(tmp_path):
    from quality.config import load_quality_config
    from regie.config import ConfigError

    path = tmp_path / "quality.yaml"
    path.write_text("waivers:\n  hart:\n    - code: x\n      reason: r\n      granted_by: A\n")
    with pytest.raises(ConfigError, match="quality.yaml: key 'waivers.hart\\[0\\].expires': required key is missing"):
        load_quality_config(path)
    assert load_quality_config(tmp_path / "absent.yaml") == QualityConfig()


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _candidate(n: int, blocked: bool, start: date | None = date(2026, 1, 1), end: date | None = date(2026, 12, 31)) -> Candidate:
    return Candidate(n, f"h{n}", T0 + timedelta(days=n), blocked, start, end)


def test_the_newest_unblocked_version_is_in_force():
    assert choose_accepted([_candidate(1, False), _candidate(2, False)], AS_OF).version_id == 2
    assert choose_accepted([_candidate(1, False), _candidate(2, True)], AS_OF).version_id == 1
    assert choose_accepted([_candidate(1, True)], AS_OF) is None
    assert choose_accepted([], AS_OF) is None


def test_a_version_waits_for_its_first_service_day():
    future = _candidate(2, False, start=AS_OF + timedelta(days=10))
    assert choose_accepted([_candidate(1, False), future], AS_OF).version_id == 1
    assert choose_accepted([future], AS_OF).version_id == 2  # nothing else: the future one


def test_expiry_warns_within_the_window_and_errors_after():
    assert expiry_status(_candidate(1, False, end=AS_OF + timedelta(days=15)), AS_OF, 14)[0] == "ok"
    assert expiry_status(_candidate(1, False, end=AS_OF + timedelta(days=14)), AS_OF, 14)[0] == "expiring"
    assert expiry_status(_candidate(1, False, end=AS_OF), AS_OF, 14)[0] == "expiring"
    status, text = expiry_status(_candidate(1, False, end=AS_OF - timedelta(days=1)), AS_OF, 14)
    assert status == "expired" and "1 days ago" in text
    assert expiry_status(None, AS_OF, 14)[0] == "none"


def test_an_expired_version_is_never_in_force():
    expired = _candidate(2, False, end=AS_OF - timedelta(days=1))
    assert choose_accepted([_candidate(1, False), expired], AS_OF).version_id == 1  # a new, already expired version
    assert choose_accepted([expired], AS_OF) is None  # even unblocked (a waived feed_expired)
    status, text = expiry_status(None, AS_OF, 14, newest=expired)
    assert status == "expired" and text.startswith("expired: not in the regional feeds")
    assert expiry_status(None, AS_OF, 14, newest=_candidate(1, True))[0] == "none"
