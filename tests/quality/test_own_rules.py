"""The pool's own rules (quality.rules), each on a tiny feed written in tmp_path, then on HART
(438k stop times): its findings checked against the feed's own rows."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from quality.canonical import canonical_notices
from quality.config import RuleThresholds
from quality.notices import NOTICE_COLUMNS
from quality.rules.context import RuleContext
from quality.rules.registry import OWN_CODES, rule_families, run_own_rules
from regie.config.operators import BoundingBox
from regie.gtfs.feed_tables import FeedTables, read_feed_tables

DAY = date(2026, 6, 1)  # a Monday
METRES_PER_DEGREE_LAT = 111_195.08  # on the haversine sphere (R = 6,371,008.8 m)
LAT, LON = 43.3183, -1.9812  # Donostia
WEEK = {d: "1" for d in ("monday", "tuesday", "wednesday", "thursday", "friday")} | {"saturday": "0", "sunday": "0"}


def stop(stop_id: str, lat: float | str, lon: float | str, **fields: Any) -> dict[str, Any]:
    return {"stop_id": stop_id, "stop_name": f"Stop {stop_id}", "stop_lat": lat, "stop_lon": lon, **fields}


def north(metres: float, lat: float = LAT) -> float:
    return round(lat + metres / METRES_PER_DEGREE_LAT, 7)


def base_tables() -> dict[str, list[dict[str, Any]]]:
    """A valid one-route bus feed around Donostia, running on weekdays through 2026."""
    return {
        "agency": [{"agency_id": "A", "agency_name": "Bus", "agency_url": "https://example.org",
                    "agency_timezone": "Europe/Madrid"}],
        "stops": [stop("S1", LAT, LON), stop("S2", north(400), LON), stop("S3", north(800), LON)],
        "routes": [{"route_id": "R1", "agency_id": "A", "route_short_name": "1", "route_long_name": "Centro - Playa",
                    "route_type": "3"}],
        "trips": [{"route_id": "R1", "service_id": "WK", "trip_id": "T1"}],
        "stop_times": [{"trip_id": "T1", "arrival_time": at, "departure_time": at, "stop_id": stop_id, "stop_sequence": str(n)}
                       for n, (stop_id, at) in enumerate((("S1", "08:00:00"), ("S2", "08:01:00"), ("S3", "08:02:00")), 1)],
        "calendar": [{"service_id": "WK", **WEEK, "start_date": "20260101", "end_date": "20261231"}],
    }


def write_feed(folder: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    """One `<name>.txt` per table; columns are the union of the rows' keys, in first-seen order."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        columns = list(dict.fromkeys(key for row in rows for key in row))
        with (folder / f"{name}.txt").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return folder


def feed(tmp_path: Path, **tables: list[dict[str, Any]]) -> FeedTables:
    """The base feed with some tables replaced (or added)."""
    return read_feed_tables(write_feed(tmp_path / "feed", base_tables() | tables))


def run(feed_tables: FeedTables, **context: Any) -> pd.DataFrame:
    notices = run_own_rules(feed_tables, RuleContext(**({"validation_date": DAY} | context)))
    assert list(notices.columns) == NOTICE_COLUMNS
    assert not (notices["code"] == "own_rule_failed").any(), notices["message"].tolist()
    assert set(notices["code"]) <= set(OWN_CODES)
    assert (notices["source"] == "regie").all()
    json.dumps(notices["context"].tolist())  # context is JSON-serialisable
    return notices


def coded(notices: pd.DataFrame, code: str) -> pd.DataFrame:
    return notices[notices["code"] == code].reset_index(drop=True)


def test_base_feed_has_no_findings(tmp_path: Path) -> None:
    assert run(feed(tmp_path)).empty


# ---- stations -------------------------------------------------------------------------------------

def station_with_children(parent_lat: float, parent_lon: float) -> list[dict[str, Any]]:
    return [
        stop("ST", parent_lat, parent_lon, location_type="1", parent_station=""),
        stop("P1", LAT, LON, location_type="0", parent_station="ST"),
        stop("P2", north(60), LON, location_type="0", parent_station="ST"),
        stop("E1", north(30), LON, location_type="2", parent_station="ST"),
        stop("N1", "", "", location_type="3", parent_station="ST"),  # generic node without coordinates
    ]


def test_parent_station_with_swapped_coordinates_and_its_children_are_flagged(tmp_path: Path) -> None:
    notices = run(feed(tmp_path, stops=station_with_children(LON, LAT)))
    far = coded(notices, "stop_too_far_from_parent_station")
    assert sorted(far["context"].map(lambda c: c["stop_id"])) == ["E1", "P1", "P2"]
    assert (far["severity"] == "ERROR").all()  # thousands of km: beyond 10x the 500 m threshold
    assert far["row"].tolist() == [3, 4, 5] and set(far["field"]) == {"parent_station"}
    suspect = coded(notices, "parent_station_coordinates_suspect")
    assert len(suspect) == 1
    assert suspect.loc[0, "severity"] == "ERROR" and suspect.loc[0, "row"] == 2 and suspect.loc[0, "file"] == "stops.txt"
    assert suspect.loc[0, "context"]["likely_cause"] == "swapped_lat_lon"
    assert suspect.loc[0, "context"]["children"] == 3
    assert "swapped" in suspect.loc[0, "message"]


def test_parent_station_at_zero_zero_is_suspect(tmp_path: Path) -> None:
    notices = run(feed(tmp_path, stops=station_with_children(0, 0)))
    assert len(coded(notices, "stop_too_far_from_parent_station")) == 3
    assert coded(notices, "parent_station_coordinates_suspect").loc[0, "context"]["likely_cause"] == "zero_coordinates"


@pytest.mark.parametrize(("metres", "severity"), [(450, None), (550, "WARNING"), (4900, "WARNING"), (5100, "ERROR")])
def test_stop_too_far_from_parent_station_threshold(tmp_path: Path, metres: float, severity: str | None) -> None:
    stops = [stop("ST", LAT, LON, location_type="1"), stop("P1", LAT, LON, parent_station="ST"),
             stop("P2", north(metres), LON, location_type="", parent_station="ST")]
    far = coded(run(feed(tmp_path, stops=stops)), "stop_too_far_from_parent_station")
    assert far["severity"].tolist() == ([severity] if severity else [])
    if severity:
        assert far.loc[0, "context"]["stop_id"] == "P2" and far.loc[0, "row"] == 4
        assert far.loc[0, "context"]["distance_m"] == pytest.approx(metres, abs=1)


def test_a_parent_merely_misplaced_is_a_warning(tmp_path: Path) -> None:
    notices = run(feed(tmp_path, stops=station_with_children(north(1_000), LON)))
    suspect = coded(notices, "parent_station_coordinates_suspect")
    assert suspect["severity"].tolist() == ["WARNING"]
    assert suspect.loc[0, "context"]["likely_cause"] == "wrong_coordinates"
    assert set(coded(notices, "stop_too_far_from_parent_station")["severity"]) == {"WARNING"}


def test_one_far_child_does_not_make_its_parent_suspect(tmp_path: Path) -> None:
    stops = [stop("ST", LAT, LON, location_type="1"), stop("P1", LAT, LON, parent_station="ST"),
             stop("P2", north(20_000), LON, parent_station="ST")]
    notices = run(feed(tmp_path, stops=stops))
    assert len(coded(notices, "stop_too_far_from_parent_station")) == 1
    assert coded(notices, "parent_station_coordinates_suspect").empty  # the children disagree


def test_parent_distance_threshold_comes_from_the_thresholds(tmp_path: Path) -> None:
    stops = [stop("ST", LAT, LON, location_type="1"), stop("P1", north(300), LON, parent_station="ST")]
    tight = RuleThresholds(parent_station_max_distance_m=200)
    assert len(coded(run(feed(tmp_path, stops=stops), thresholds=tight), "stop_too_far_from_parent_station")) == 1


# ---- stop spacing ---------------------------------------------------------------------------------

def test_stops_less_than_a_metre_apart(tmp_path: Path) -> None:
    stops = [stop("S1", LAT, LON), stop("S1bis", north(0.5), LON), stop("S2", north(2), LON),
             stop("ST", LAT, LON, location_type="1"), stop("P1", LAT, LON, parent_station="ST"),
             stop("S1", LAT, LON)]  # a repeated stop_id is canonical's duplicate_key
    close = coded(run(feed(tmp_path, stops=stops)), "stop_too_close_to_another_stop")
    assert len(close) == 1
    assert close.loc[0, "row"] == 3 and close.loc[0, "context"]["other_stop_id"] == "S1"


# ---- region ---------------------------------------------------------------------------------------

BOX = BoundingBox(min_lon=-2.5, min_lat=43.0, max_lon=-1.5, max_lat=43.5)


def test_stop_outside_region(tmp_path: Path) -> None:
    stops = [stop("IN", LAT, LON), stop("EDGE", 43.5, -1.5), stop("OUT", 48.85, 2.35),
             stop("NODE", "", "", location_type="3", parent_station="IN"),
             stop("AREA", 0, 0, location_type="4", parent_station="IN")]  # 0,0 on a boarding area: no position
    tables = feed(tmp_path, stops=stops)
    outside = coded(run(tables, bbox=BOX), "stop_outside_region")
    assert outside["row"].tolist() == [4] and outside.loc[0, "context"]["stop_id"] == "OUT"
    assert outside.loc[0, "severity"] == "WARNING"
    assert coded(run(tables, bbox=None), "stop_outside_region").empty


# ---- service window -------------------------------------------------------------------------------

def calendar_ending(last: date) -> list[dict[str, Any]]:
    every_day = {d: "1" for d in WEEK}
    return [{"service_id": "WK", **every_day, "start_date": "20260101", "end_date": last.strftime("%Y%m%d")}]


@pytest.mark.parametrize(("days_ahead", "code"), [
    (30, None), (29, "feed_service_ends_soon"), (0, "feed_service_ends_soon"), (-1, "feed_expired"),
])
def test_service_window_boundaries(tmp_path: Path, days_ahead: int, code: str | None) -> None:
    notices = run(feed(tmp_path, calendar=calendar_ending(DAY + timedelta(days=days_ahead))))
    window = notices[notices["code"].isin(["feed_service_ends_soon", "feed_expired"])].reset_index(drop=True)
    assert window["code"].tolist() == ([code] if code else [])
    if code:
        assert window.loc[0, "file"] == "calendar.txt" and window.loc[0, "row"] == 2 and window.loc[0, "field"] == "end_date"
        assert window.loc[0, "context"]["days_ahead"] == days_ahead
        assert window.loc[0, "severity"] == ("ERROR" if code == "feed_expired" else "WARNING")


def test_last_service_day_is_a_running_weekday_or_an_added_date(tmp_path: Path) -> None:
    # weekday service whose end_date is a Sunday 34 days ahead: its last running day is the Friday, 32 days
    sunday = DAY + timedelta(days=34)
    assert sunday.weekday() == 6
    weekdays = [{"service_id": "WK", **WEEK, "start_date": "20260101", "end_date": sunday.strftime("%Y%m%d")}]
    ahead = RuleThresholds(min_days_valid_ahead=33)
    ends_soon = coded(run(feed(tmp_path / "a", calendar=weekdays), thresholds=ahead), "feed_service_ends_soon")
    assert ends_soon.loc[0, "context"]["last_service_date"] == (sunday - timedelta(days=2)).isoformat()
    assert ends_soon.loc[0, "context"]["days_ahead"] == 32
    # ... unless calendar_dates adds a later day (removed days are not subtracted)
    added = [{"service_id": "WK", "date": (DAY + timedelta(days=40)).strftime("%Y%m%d"), "exception_type": "1"},
             {"service_id": "WK", "date": (DAY + timedelta(days=50)).strftime("%Y%m%d"), "exception_type": "2"}]
    assert run(feed(tmp_path / "b", calendar=weekdays, calendar_dates=added), thresholds=ahead).empty


def test_the_minimum_days_ahead_comes_from_the_thresholds(tmp_path: Path) -> None:
    tables = feed(tmp_path, calendar=calendar_ending(DAY + timedelta(days=10)))
    assert run(tables, thresholds=RuleThresholds(min_days_valid_ahead=10)).empty
    assert len(coded(run(tables, thresholds=RuleThresholds(min_days_valid_ahead=11)), "feed_service_ends_soon")) == 1


def test_calendar_covering_a_single_day(tmp_path: Path) -> None:
    calendar = base_tables()["calendar"] + [{"service_id": "FEST", **WEEK, "start_date": "20260624", "end_date": "20260624"}]
    single = coded(run(feed(tmp_path, calendar=calendar)), "calendar_covers_single_day")
    assert single["row"].tolist() == [3] and single.loc[0, "severity"] == "INFO"


# ---- freshness ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("age", "flagged"), [(180, False), (181, True)])
def test_feed_not_updated(tmp_path: Path, age: int, flagged: bool) -> None:
    tables = feed(tmp_path)
    notices = coded(run(tables, last_changed=DAY - timedelta(days=age)), "feed_not_updated")
    assert len(notices) == int(flagged)
    if flagged:
        assert notices.loc[0, "severity"] == "WARNING" and notices.loc[0, "context"]["days_since_change"] == 181
    assert run(tables, last_changed=None).empty


# ---- fares v2 -------------------------------------------------------------------------------------

def test_fares_v2_references(tmp_path: Path) -> None:
    tables = feed(
        tmp_path,
        fare_products=[{"fare_product_id": "single", "amount": "1.5", "currency": "EUR", "rider_category_id": "adult",
                        "fare_media_id": "card"},
                       {"fare_product_id": "day", "amount": "5", "currency": "EUR", "rider_category_id": "senior",
                        "fare_media_id": "paper"}],
        rider_categories=[{"rider_category_id": "adult", "rider_category_name": "Adult", "is_default_fare_category": "1"}],
        fare_media=[{"fare_media_id": "card", "fare_media_type": "2"}],
        fare_leg_rules=[{"leg_group_id": "L", "fare_product_id": "single"}, {"leg_group_id": "L", "fare_product_id": "week"}],
        fare_transfer_rules=[{"from_leg_group_id": "L", "to_leg_group_id": "L", "fare_product_id": "month",
                              "fare_transfer_type": "0"}],
    )
    refs = coded(run(tables), "reference_not_found")
    found = {(r.file, r.row, r.field, r.context[r.field]) for r in refs.itertuples()}
    assert found == {("fare_products.txt", 3, "rider_category_id", "senior"), ("fare_products.txt", 3, "fare_media_id", "paper"),
                     ("fare_leg_rules.txt", 3, "fare_product_id", "week"),
                     ("fare_transfer_rules.txt", 2, "fare_product_id", "month")}
    assert (refs["severity"] == "ERROR").all()


def test_fare_media_under_their_draft_name(tmp_path: Path) -> None:
    tables = feed(tmp_path, fare_products=[{"fare_product_id": "single", "fare_media_id": "card"}],
                  fare_containers=[{"fare_media_id": "card", "fare_media_name": "Card"}])
    assert run(tables).empty


def test_fare_product_with_two_default_rider_categories(tmp_path: Path) -> None:
    tables = feed(
        tmp_path,
        rider_categories=[{"rider_category_id": c, "is_default_fare_category": d}
                          for c, d in (("adult", "1"), ("youth", "1"), ("senior", "0"))],
        fare_products=[{"fare_product_id": p, "rider_category_id": c} for p, c in (
            ("ok", "adult"), ("ok", "senior"),  # one default category: fine
            ("both", "adult"), ("both", "senior"), ("both", "youth"),  # two defaults: ambiguous at its 5th row
            ("any", ""),  # no category means every default one
        )],
    )
    ambiguous = coded(run(tables), "fare_product_ambiguous_rider_category")
    assert {(r.context["fare_product_id"], r.row) for r in ambiguous.itertuples()} == {("both", 6), ("any", 7)}
    assert ambiguous.loc[0, "context"]["default_rider_categories"] == "adult, youth"


# ---- networks and keys ----------------------------------------------------------------------------

def test_route_in_two_network_sources(tmp_path: Path) -> None:
    routes = [base_tables()["routes"][0] | {"network_id": "urban"},
              {"route_id": "R2", "agency_id": "A", "route_short_name": "2", "route_type": "3", "network_id": ""}]
    tables = feed(tmp_path, routes=routes, networks=[{"network_id": "urban"}, {"network_id": "night"}],
                  route_networks=[{"network_id": "night", "route_id": "R1"}, {"network_id": "night", "route_id": "R2"}])
    conflicts = coded(run(tables), "route_network_conflict")
    assert conflicts["row"].tolist() == [2]
    assert conflicts.loc[0, "context"] == {"route_id": "R1", "routes_network_id": "urban",
                                           "route_networks_network_id": "night", "networks_differ": True}


def test_duplicate_keys_canonical_does_not_check(tmp_path: Path) -> None:
    shapes = [{"shape_id": "SH", "shape_pt_lat": north(10 * i), "shape_pt_lon": LON, "shape_pt_sequence": s}
              for i, s in enumerate(["1", "2", "02", "3"])]
    tables = feed(
        tmp_path, shapes=shapes,
        route_networks=[{"network_id": "N", "route_id": "R1"}, {"network_id": "M", "route_id": "R1"}],
        networks=[{"network_id": "N"}, {"network_id": "M"}],
        fare_rules=[{"fare_id": "F", "route_id": "R1"}, {"fare_id": "F", "route_id": ""}, {"fare_id": "F", "route_id": "R1"}],
        fare_attributes=[{"fare_id": "F", "price": "1.5", "currency_type": "EUR", "payment_method": "0", "transfers": "0"}],
    )
    duplicates = coded(run(tables), "duplicate_primary_key")
    assert {(r.file, r.row, r.context["first_row"]) for r in duplicates.itertuples()} == {
        ("shapes.txt", 4, 3), ("route_networks.txt", 3, 2), ("fare_rules.txt", 4, 2)}


# ---- canonical fallback ---------------------------------------------------------------------------

def test_references_of_a_table_canonical_rejects(tmp_path: Path) -> None:
    """gtfs-guru drops routes.txt from its cross-file checks for one ragged row, so the trip's
    unknown route_id goes unreported by it; the fallback reports it (and only then)."""
    tables = base_tables() | {"trips": [{"route_id": "R9", "service_id": "WK", "trip_id": "T1"}]}
    clean = write_feed(tmp_path / "clean", tables)
    assert set(canonical_notices(clean, DAY)["code"]) >= {"foreign_key_violation"}
    assert coded(run(read_feed_tables(clean)), "reference_not_found").empty  # canonical's

    ragged = write_feed(tmp_path / "ragged", tables)
    with (ragged / "routes.txt").open("a", encoding="utf-8") as handle:
        handle.write("R2,A,2\n")
    canonical = canonical_notices(ragged, DAY)
    assert "invalid_row_length" in set(canonical["code"]) and "foreign_key_violation" not in set(canonical["code"])
    refs = coded(run(read_feed_tables(ragged)), "reference_not_found")
    assert [(r.file, r.row, r.field) for r in refs.itertuples()] == [("trips.txt", 2, "route_id")]


def test_trips_without_stop_times_when_stop_times_has_no_header(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "feed", base_tables())
    lines = (folder / "stop_times.txt").read_text(encoding="utf-8").splitlines()
    (folder / "stop_times.txt").write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")
    empty = coded(run(read_feed_tables(folder)), "trip_without_stop_times")
    assert [(r.file, r.row, r.context["trip_id"]) for r in empty.itertuples()] == [("trips.txt", 2, "T1")]


def test_unused_stops_and_stations_are_left_to_canonical(tmp_path: Path) -> None:
    stops = base_tables()["stops"] + [stop("LONELY", north(2000), LON, location_type=""),
                                      stop("EMPTY_STATION", north(3000), LON, location_type="1")]
    folder = write_feed(tmp_path / "feed", base_tables() | {"stops": stops})
    canonical = canonical_notices(folder, DAY)
    unused = {(code, row) for code, row in zip(canonical["code"], canonical["row"], strict=True)
              if code in ("stop_without_stop_time", "unused_station")}
    assert unused == {("stop_without_stop_time", 5), ("unused_station", 6)}
    assert run(read_feed_tables(folder)).empty


# ---- routes, speed, shapes, frequencies, transfers ------------------------------------------------

def test_route_name_characters(tmp_path: Path) -> None:
    names = ["Bilbo – Donostia", "L’Express (nuit)", "Línea 1 & 2", "こんにちは", "Line_1", "50% off", "Bus #3", "A@B"]
    routes = [{"route_id": f"R{i}", "agency_id": "A", "route_long_name": name, "route_type": "3"}
              for i, name in enumerate(names)]
    flagged = coded(run(feed(tmp_path, routes=routes)), "route_name_unexpected_characters")
    assert [r.context["unexpected_characters"] for r in flagged.itertuples()] == ["_", "%", "#", "@"]
    assert flagged["row"].tolist() == [6, 7, 8, 9] and set(flagged["field"]) == {"route_long_name"}


def timed_trip(route_type: str, legs: list[tuple[float, str]], tmp_path: Path) -> FeedTables:
    """One trip over stops `metres` apart northwards, arriving at the given times."""
    stops, stop_times, position = [stop("S0", LAT, LON)], [], 0.0
    stop_times.append({"trip_id": "T1", "arrival_time": "08:00:00", "departure_time": "08:00:00", "stop_id": "S0",
                       "stop_sequence": "0"})
    for i, (metres, at) in enumerate(legs, start=1):
        position += metres
        stops.append(stop(f"S{i}", north(position), LON))
        stop_times.append({"trip_id": "T1", "arrival_time": at, "departure_time": at, "stop_id": f"S{i}",
                           "stop_sequence": str(i)})
    routes = [{"route_id": "R1", "agency_id": "A", "route_short_name": "1", "route_type": route_type}]
    return feed(tmp_path, stops=stops, stop_times=stop_times, routes=routes)


def test_fast_travel_over_the_pool_limit_complements_canonical(tmp_path: Path) -> None:
    legs = [
        (3_611, "08:01:40"),   # 130 km/h: above the pool's 120 for bus, below canonical's 150 -> ours
        (5_556, "08:03:20"),   # 200 km/h: canonical's fast_travel_between_consecutive_stops -> not ours
        (1_000, "08:04:00"),   # 90 km/h
        (300, "08:04:00"),     # same whole minute, 300 m: 18 km/h counted over 60 s -> fine
        (2_500, "08:04:00"),   # same whole minute, 2.5 km: 150 km/h over 60 s, canonical ignores it -> ours
        (500, "08:06:00"),
    ]
    tables = timed_trip("3", legs, tmp_path)
    fast = coded(run(tables), "fast_travel_over_pool_limit")
    assert fast["row"].tolist() == [3, 7]
    canonical = coded(canonical_notices(tables.path, DAY), "fast_travel_between_consecutive_stops")
    assert [c["csvRowNumber2"] for c in canonical["context"]] == [4]  # the 200 km/h leg, and only it
    assert fast.loc[0, "context"]["speed_kmh"] == pytest.approx(130, abs=1)
    assert fast.loc[0, "context"]["limit_kmh"] == 120 and fast.loc[0, "file"] == "stop_times.txt"
    assert "same minute" in fast.loc[1, "message"]


def test_fast_travel_uses_the_mode_limit_and_seconds_precision(tmp_path: Path) -> None:
    rail = [(20_833, "08:05:00")]  # 250 km/h: under the pool's 300 for rail
    assert coded(run(timed_trip("2", rail, tmp_path / "rail")), "fast_travel_over_pool_limit").empty
    seconds = [(150, "08:00:30"), (200, "08:00:30")]  # times to the second: 0 s for 200 m counted as 1 s
    fast = coded(run(timed_trip("3", seconds, tmp_path / "seconds")), "fast_travel_over_pool_limit")
    assert fast["row"].tolist() == [4] and "same second" in fast.loc[0, "message"]


def test_fast_travel_follows_stop_sequence_not_file_order(tmp_path: Path) -> None:
    legs = [(3_611, "08:01:40"), (1_000, "08:04:00"), (2_500, "08:04:00"), (500, "08:06:00")]
    in_order = run(timed_trip("3", legs, tmp_path / "in_order"))
    tables = timed_trip("3", legs, tmp_path / "split")  # the trip split in two, its second half first
    stop_times = tables.get("stop_times")
    tables.tables["stop_times"] = pd.concat([stop_times.iloc[3:], stop_times.iloc[:3]])
    split = run(tables)
    assert coded(split, "fast_travel_over_pool_limit")["row"].tolist() == [3, 5]
    assert split.equals(in_order)


def test_fast_travel_reads_departures_apart_from_arrivals(tmp_path: Path) -> None:
    tables = timed_trip("3", [(3_611, "08:01:40"), (3_000, "08:03:20")], tmp_path)
    assert coded(run(tables), "fast_travel_over_pool_limit")["row"].tolist() == [3]  # then 3 km in 100 s
    tables.get("stop_times").loc[1, "departure_time"] = "08:01:55"  # a 15 s dwell: 3 km in 85 s, 127 km/h
    assert coded(run(tables), "fast_travel_over_pool_limit")["row"].tolist() == [3, 4]


@pytest.mark.parametrize("missing", ["trips", "routes", "stops"])
def test_fast_travel_without_a_table_it_joins(tmp_path: Path, missing: str) -> None:
    tables = timed_trip("3", [(3_611, "08:01:40")], tmp_path)
    del tables.tables[missing]
    assert coded(run(tables), "fast_travel_over_pool_limit").empty


def test_shape_point_outlier(tmp_path: Path) -> None:
    points = [(north(0), LON), (north(50), LON), (LON, north(100)), (north(150), LON), (north(200), LON), (0.0, 0.0)]
    shapes = [{"shape_id": "SH", "shape_pt_lat": lat, "shape_pt_lon": lon, "shape_pt_sequence": str(i)}
              for i, (lat, lon) in enumerate(points)]
    outliers = coded(run(feed(tmp_path, shapes=shapes)), "shape_point_outlier")
    assert outliers["row"].tolist() == [4]  # the swapped point; the last point has one neighbour only
    assert outliers.loc[0, "context"]["shape_pt_sequence"] == "2"


def test_shape_point_outlier_in_a_file_out_of_order(tmp_path: Path) -> None:
    """Points are compared with their neighbours in sequence order, whatever the file's order;
    findings come by shape id, then sequence."""
    line = [(north(50 * i), LON) for i in range(5)]
    spike = {"B": 1, "A": 3}
    shapes = [{"shape_id": shape, "shape_pt_lat": lon if i == spike[shape] else lat,
               "shape_pt_lon": lat if i == spike[shape] else lon, "shape_pt_sequence": str(i)}
              for shape in ("B", "A") for i, (lat, lon) in enumerate(line)]
    shapes = shapes[::-1] + [{"shape_id": "A", "shape_pt_lat": "", "shape_pt_lon": LON, "shape_pt_sequence": "9"}]
    outliers = coded(run(feed(tmp_path, shapes=shapes)), "shape_point_outlier")
    assert [(c["shape_id"], c["shape_pt_sequence"]) for c in outliers["context"]] == [("A", "3"), ("B", "1")]
    assert outliers["row"].tolist() == [3, 10]  # (header = 1) A 3 is the 2nd record, B 1 the 9th


def test_frequency_shorter_than_its_headway(tmp_path: Path) -> None:
    periods = [("10:00:00", "12:00:00"), ("14:00:00", "14:00:00"), ("15:00:00", "15:05:00"), ("16:00:00", "16:10:00")]
    frequencies = [{"trip_id": "T1", "start_time": s, "end_time": e, "headway_secs": "600"} for s, e in periods]
    short = coded(run(feed(tmp_path, frequencies=frequencies)), "frequency_shorter_than_headway")
    assert short["row"].tolist() == [4]  # start = end is canonical's start_and_end_range_equal


def test_min_transfer_time_against_transfer_type(tmp_path: Path) -> None:
    transfers = [{"from_stop_id": "S1", "to_stop_id": "S2", "transfer_type": t, "min_transfer_time": m}
                 for t, m in (("2", "120"), ("2", ""), ("1", "60"), ("", "90"), ("0", ""))]
    notices = run(feed(tmp_path, transfers=transfers))
    assert coded(notices, "min_transfer_time_missing")["row"].tolist() == [3]
    ignored = coded(notices, "min_transfer_time_ignored")
    assert ignored["row"].tolist() == [4, 5] and set(ignored["severity"]) == {"INFO"}


# ---- the runner -----------------------------------------------------------------------------------

def test_a_failing_family_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import quality.rules.shapes

    def broken(feed_tables: FeedTables, context: RuleContext) -> pd.DataFrame:
        raise RuntimeError("boom")

    monkeypatch.setattr(quality.rules.shapes, "check", broken)
    tables = feed(tmp_path, stops=station_with_children(LON, LAT))
    notices = run_own_rules(tables, RuleContext(validation_date=DAY))
    failed = coded(notices, "own_rule_failed")
    assert failed["context"].tolist() == [{"family": "shapes", "error": "RuntimeError: boom"}]
    assert len(coded(notices, "stop_too_far_from_parent_station")) == 3  # the other families still ran


def test_every_family_handles_a_feed_without_tables(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    tables = read_feed_tables(tmp_path / "empty")
    context = RuleContext(validation_date=DAY, bbox=BOX, last_changed=DAY)
    for name, check in rule_families().items():
        assert check(tables, context).empty, name


# ---- a real feed: HART (Tampa, 438k stop times) -----------------------------------------------------

@pytest.fixture(scope="module")
def hart(feeds_dir: Path) -> FeedTables:
    return read_feed_tables(feeds_dir / "large" / "hart_2020-11-15.zip")


def hart_rows(feeds_dir: Path, name: str) -> list[dict[str, str]]:
    """The rows of one file of HART as the csv module reads them (data row i is CSV row i + 2)."""
    with zipfile.ZipFile(feeds_dir / "large" / "hart_2020-11-15.zip") as archive, archive.open(name) as raw:
        return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig")))


def test_hart_in_its_own_setting_has_no_findings(hart: FeedTables) -> None:
    """Validated a few days after its release, inside Tampa's box, with the default thresholds."""
    tampa = BoundingBox(min_lon=-82.9, min_lat=27.6, max_lon=-82.0, max_lat=28.3)
    assert run(hart, validation_date=date(2020, 11, 20), last_changed=date(2020, 11, 15), bbox=tampa).empty


def test_hart_findings_in_a_stricter_setting(hart: FeedTables, feeds_dir: Path) -> None:
    """A box cut at 27.8° N, two weeks before service ends (2021-04-24), last changed 313 days
    before, buses limited to 80 km/h: findings pinned by code, spot-checked against the feed's rows."""
    box = BoundingBox(min_lon=-82.9, min_lat=27.8, max_lon=-82.0, max_lat=28.3)
    notices = run(hart, validation_date=date(2021, 4, 10), last_changed=date(2020, 6, 1), bbox=box,
                  thresholds=RuleThresholds(max_speed_kmh={"bus": 80}))
    assert notices.groupby("code").size().to_dict() == {
        "fast_travel_over_pool_limit": 52, "feed_not_updated": 1, "feed_service_ends_soon": 1, "stop_outside_region": 53,
    }
    assert set(notices["severity"]) == {"WARNING"}

    stops = hart_rows(feeds_dir, "stops.txt")
    south = [row["stop_id"] for row in stops if float(row["stop_lat"]) < 27.8]
    outside = coded(notices, "stop_outside_region")
    assert sorted(outside["context"].map(lambda context: context["stop_id"])) == sorted(south)  # 53 south of 27.8°
    first = outside.iloc[0]
    assert (first["file"], first["row"], first["field"]) == ("stops.txt", 499, "stop_lat")
    assert stops[499 - 2] == {"stop_id": "2357", "stop_code": "2357", "stop_name": "14th Av SE @ 6th St SE",
                              "stop_lat": "27.705988", "stop_lon": "-82.426781"}
    assert first["context"] == {"stop_id": "2357", "lat": 27.705988, "lon": -82.426781, "bbox": "-82.9,27.8,-82,28.3"}

    fast = coded(notices, "fast_travel_over_pool_limit").iloc[0]
    assert (fast["file"], fast["row"], fast["field"]) == ("stop_times.txt", 219238, "arrival_time")
    stop_times = hart_rows(feeds_dir, "stop_times.txt")
    before, after = stop_times[219238 - 3], stop_times[219238 - 2]
    assert (before["trip_id"], before["stop_id"], before["departure_time"]) == ("1688231", "554", "8:45:00")
    assert (after["trip_id"], after["stop_id"], after["arrival_time"]) == ("1688231", "556", "8:45:15")
    assert {key: fast["context"][key] for key in ("trip_id", "from_stop_id", "to_stop_id", "seconds", "limit_kmh")} == {
        "trip_id": "1688231", "from_stop_id": "554", "to_stop_id": "556", "seconds": 15, "limit_kmh": 80.0}
    assert fast["context"]["speed_kmh"] == pytest.approx(fast["context"]["distance_m"] / 15 * 3.6, abs=0.1)

    ends = coded(notices, "feed_service_ends_soon").iloc[0]
    assert (ends["file"], ends["row"], ends["field"]) == ("calendar.txt", 8, "end_date")
    calendar = hart_rows(feeds_dir, "calendar.txt")
    assert calendar[8 - 2]["end_date"] == max(row["end_date"] for row in calendar) == "20210424"
    assert ends["context"]["days_ahead"] == 14
    assert coded(notices, "feed_not_updated").loc[0, "context"]["days_since_change"] == 313
