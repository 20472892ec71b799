"""The region's Great Expectations suites: a good feed passes, each broken table is reported."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest

from quality.config import RuleThresholds
from quality.expectations.run import ExpectationRun, run_expectations
from quality.notices import NOTICE_COLUMNS
from regie.config.operators import BoundingBox
from regie.gtfs.feed_tables import read_feed_tables

# Pays basque, roughly: Bayonne (43.49, -1.47) and Donostia (43.32, -1.98) are inside.
BBOX = {"min_lon": -2.3, "min_lat": 42.9, "max_lon": -0.8, "max_lat": 43.6}

GOOD = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Txik Txak,https://example.org,Europe/Paris\n",
    "stops.txt": (
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        "ST,Gare de Bayonne,43.4967,-1.4706,1,\n"
        "S1,Bayonne Gare,43.4966,-1.4707,0,ST\n"
        "S2,Donostia Amara,43.3127,-1.9786,,\n"
    ),
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\nR2,A,T,715\n",
    "trips.txt": "route_id,service_id,trip_id\nR1,WK,T1\nR2,WK,T2\n",
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,08:00:00,08:00:00,S1,0\n"
        "T1,,,S2,1\n"
        "T1,09:10:00,09:10:00,S2,2\n"
        "T2,23:50:00,23:50:00,S1,1\n"
        "T2,124:05:00,124:05:00,S2,7\n"
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20240101,20241231\n"
        "DAY,0,0,0,0,0,1,0,20240601,20240601\n"
    ),
}

RULE_COUNTS = {"stops": 7, "routes": 2, "trips": 3, "stop_times": 3, "calendar": 3}


def write_feed(folder: Path, **changes: str | None) -> Path:
    """The good feed with some files replaced (`stops_txt="..."`) or removed (`=None`)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = dict(GOOD)
    for name, text in changes.items():
        file = name.replace("_txt", ".txt")
        if text is None:
            files.pop(file, None)
        else:
            files[file] = text
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def run(folder: Path, *, bbox: dict | None = BBOX, **kwargs) -> ExpectationRun:
    box = BoundingBox(**bbox) if bbox else None
    return run_expectations(read_feed_tables(folder), bbox=box, thresholds=RuleThresholds(), **kwargs)


def only(result: ExpectationRun, code: str, field: str) -> dict:
    rows = result.notices[(result.notices["code"] == code) & (result.notices["field"] == field)]
    assert len(rows) == 1, result.notices[["code", "field", "message"]].to_string()
    return rows.iloc[0].to_dict()


def test_good_feed_passes_every_expectation(tmp_path: Path) -> None:
    result = run(write_feed(tmp_path))
    assert list(result.notices.columns) == NOTICE_COLUMNS
    assert result.notices.empty, result.notices["message"].tolist()
    assert result.success
    assert set(result.summary) == set(RULE_COUNTS)
    for table, count in RULE_COUNTS.items():
        suite = result.summary[table]
        assert suite["evaluated"] == suite["successful"] == count, (table, suite)
        assert suite["success_percent"] == 100.0
        assert suite["failed"] == [] and suite["skipped"] == []


def test_stops_outside_the_region_are_reported(tmp_path: Path) -> None:
    stops = GOOD["stops.txt"] + "S3,Toulouse Matabiau,43.6112,1.4536,0,\nS4,Madrid Atocha,40.4066,-3.6892,,\n"
    result = run(write_feed(tmp_path, stops_txt=stops))

    lon = only(result, "region_stop_outside_bbox", "stop_lon")
    assert lon["file"] == "stops.txt" and lon["source"] == "expectations" and lon["severity"] == "WARNING"
    assert lon["context"]["unexpected_count"] == 2
    assert lon["context"]["unexpected_values"] == [1.4536, -3.6892]
    assert lon["context"]["rows"] == [5, 6]  # CSV rows, header = 1
    assert lon["context"]["mostly"] == 0.99
    assert lon["context"]["expectation"] == "expect_column_values_to_be_between"
    lat = only(result, "region_stop_outside_bbox", "stop_lat")
    assert lat["context"]["unexpected_values"] == [43.6112, 40.4066]
    assert result.summary["stops"]["failed"] == ["stop_lat_in_region", "stop_lon_in_region"]

    no_box = run(tmp_path, bbox=None)
    assert no_box.notices.empty
    assert no_box.summary["stops"]["evaluated"] == RULE_COUNTS["stops"] - 2


def test_a_few_stops_outside_the_region_are_tolerated(tmp_path: Path) -> None:
    """`mostly`: 1 stop in 150 outside the box (a cross-border terminus) is below 1 %."""
    lines = [f"S{i},Stop {i},43.4{i:03d},-1.4{i:03d},0," for i in range(149)] + ["FAR,Far,40.0,-1.5,0,"]
    stops = "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n" + "\n".join(lines) + "\n"
    result = run(write_feed(tmp_path, stops_txt=stops, stop_times_txt=None, trips_txt=None))
    assert result.notices.empty, result.notices["message"].tolist()


def test_bad_times_and_sequences_are_reported(tmp_path: Path) -> None:
    stop_times = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,8:00,08:00:00,S1,0\n"
        "T1,08:10:00,8h15,S2,1.5\n"
        "T1,08:20:00,08:20:00,S2,-2\n"
        "T1,1234:00:00,08:30:00,S2,3\n"
    )
    result = run(write_feed(tmp_path, stop_times_txt=stop_times))

    arrival = only(result, "region_invalid_time", "arrival_time")
    assert arrival["file"] == "stop_times.txt" and arrival["severity"] == "WARNING"
    assert arrival["context"]["unexpected_values"] == ["8:00", "1234:00:00"]
    assert arrival["context"]["rows"] == [2, 5]
    assert arrival["context"]["unexpected_count"] == 2
    assert "arrival_time" in arrival["message"] and "2 of 4" in arrival["message"]
    departure = only(result, "region_invalid_time", "departure_time")
    assert departure["context"]["unexpected_values"] == ["8h15"] and departure["context"]["rows"] == [3]
    sequence = only(result, "region_invalid_stop_sequence", "stop_sequence")
    assert sequence["context"]["unexpected_values"] == ["1.5", "-2"]
    assert result.summary["stop_times"]["failed"] == [
        "arrival_time_format", "departure_time_format", "stop_sequence_non_negative_integer",
    ]


def test_duplicate_and_missing_ids_are_errors(tmp_path: Path) -> None:
    stops = GOOD["stops.txt"] + "S1,Bayonne again,43.4966,-1.4707,0,\n,No id,43.4,-1.4,0,\n"
    routes = GOOD["routes.txt"] + "R1,A,1bis,3\n"
    trips = GOOD["trips.txt"] + "R1,WK,T1\n,WK,T3\n"
    result = run(write_feed(tmp_path, stops_txt=stops, routes_txt=routes, trips_txt=trips))

    stop_dup = only(result, "region_duplicate_id", "stop_id")
    assert stop_dup["file"] == "stops.txt" and stop_dup["severity"] == "ERROR"
    assert stop_dup["context"]["unexpected_values"] == ["S1"]
    assert stop_dup["context"]["rows"] == [3, 5]
    missing = only(result, "region_missing_id", "stop_id")
    assert missing["context"]["rows"] == [6] and missing["severity"] == "ERROR"
    route_dup = result.notices[(result.notices["file"] == "routes.txt")]
    assert route_dup[["code", "field", "severity"]].values.tolist() == [["region_duplicate_id", "route_id", "ERROR"]]
    trip_dup = result.notices[result.notices["file"] == "trips.txt"]
    assert sorted(trip_dup["field"]) == ["route_id", "trip_id"]
    assert only(result, "region_missing_id", "route_id")["context"]["rows"] == [5]


def test_codes_and_calendar(tmp_path: Path) -> None:
    stops = GOOD["stops.txt"] + "S9,Odd,43.4,-1.4,7,\n"
    routes = GOOD["routes.txt"] + "R3,A,X,99\nR4,A,Y,1701\n"
    calendar = GOOD["calendar.txt"] + "BAD,1,1,1,1,1,1,1,20240301,20240201\nWORSE,1,1,1,1,1,1,1,2024-03-01,20241301\n"
    result = run(write_feed(tmp_path, stops_txt=stops, routes_txt=routes, calendar_txt=calendar))

    assert only(result, "region_invalid_location_type", "location_type")["context"]["unexpected_values"] == ["7"]
    assert only(result, "region_invalid_route_type", "route_type")["context"]["unexpected_values"] == ["99"]
    assert only(result, "region_invalid_date", "start_date")["context"]["unexpected_values"] == ["2024-03-01"]
    assert only(result, "region_invalid_date", "end_date")["context"]["unexpected_values"] == ["20241301"]
    order = only(result, "region_end_date_before_start_date", "end_date")
    # the malformed start date is not a number: left to the format rule, not compared
    assert order["context"]["unexpected_values"] == [{"end_date": 20240201, "start_date": 20240301}]
    assert order["context"]["rows"] == [4]


def test_calendar_validity_ahead_needs_a_validation_date(tmp_path: Path) -> None:
    folder = write_feed(tmp_path)
    assert run(folder).summary["calendar"]["evaluated"] == 3
    fine = run(folder, validation_date=date(2024, 6, 1))
    assert fine.notices.empty and fine.summary["calendar"]["evaluated"] == 4
    late = run(folder, validation_date=date(2024, 12, 15))  # needs service until 2025-01-14
    notice = only(late, "region_calendar_ends_soon", "end_date")
    assert notice["context"]["observed_value"] == 20241231 and notice["severity"] == "WARNING"


def test_absent_tables_and_columns_are_skipped(tmp_path: Path) -> None:
    stops = "stop_id,stop_name,stop_lat,stop_lon\nS1,Bayonne,43.49,-1.47\n"
    result = run(write_feed(tmp_path, stops_txt=stops, calendar_txt=None, stop_times_txt=None))
    assert result.notices.empty
    assert set(result.summary) == {"stops", "routes", "trips"}
    assert set(result.skipped_tables) == {"stop_times", "calendar"}
    assert result.summary["stops"]["skipped"] == ["location_type_valid"]


def test_summary_and_notices_are_json_serialisable(tmp_path: Path) -> None:
    stops = GOOD["stops.txt"] + "S1,dup,95.0,-1.4707,0,\n"
    result = run(write_feed(tmp_path, stops_txt=stops))
    assert len(result.notices) >= 2
    summary = json.loads(json.dumps(result.summary))
    assert summary["stops"]["success_percent"] == pytest.approx(100 * 4 / 7, abs=0.01)
    assert isinstance(summary["stops"]["evaluated"], int)
    json.dumps(result.notices["context"].tolist())
    assert result.notices["row"].isna().all()  # one notice per expectation: the rows are in context


def test_gx_stays_quiet(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """No progress bars on stderr, no INFO chatter from GX's loggers."""
    capfd.readouterr()
    run(write_feed(tmp_path, stop_times_txt=GOOD["stop_times.txt"] + "T2,bad,bad,S1,9\n"))
    captured = capfd.readouterr()
    assert "Calculating Metrics" not in captured.err + captured.out
    assert logging.getLogger("great_expectations").getEffectiveLevel() >= logging.WARNING


def test_hart(feeds_dir: Path) -> None:
    """HART (438k stop_times), validated inside Tampa's box on its first day: every suite passes."""
    feed = read_feed_tables(feeds_dir / "large" / "hart_2020-11-15.zip")
    tampa = BoundingBox(min_lon=-82.9, min_lat=27.6, max_lon=-82.0, max_lat=28.3)
    result = run_expectations(feed, bbox=tampa, thresholds=RuleThresholds(), validation_date=date(2020, 11, 15))
    assert set(result.summary) == set(RULE_COUNTS)
    assert result.summary["stop_times"]["rows"] == 438421
    assert result.summary["stop_times"]["evaluated"] == 3
    assert result.summary["calendar"]["evaluated"] == 4
    assert result.notices.empty, result.notices["message"].tolist()
