"""Network metrics for the fee (regie.fees.metrics) on hand-built feeds whose figures are worked out
by hand below, against gtfs-kit's compute_trip_stats on Caltrain, and GBFS snapshot sizes."""

from __future__ import annotations

import json
import math
import warnings
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regie.fees.metrics.bike_share import bike_share_size
from regie.fees.metrics.network import NetworkMetrics, daily_figures, network_metrics
from regie.gtfs.feed_tables import FeedTables, read_feed_tables

# Stops on the meridian 0°, 0.0089932° of latitude (999.9996 m on the haversine sphere) apart:
# A —1 km— B1/B2 (quays of station P) —1 km— C. So every trip A..C is 2 km long (1999.999 m).
STOPS = """\
stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station
A,Alpha,45.0000000,0.0,0,
P,Pont,45.0089932,0.0,1,
B1,Pont quay 1,45.0089932,0.0,0,P
B2,Pont quay 2,45.0089932,0.0,0,P
C,Gamma,45.0179864,0.0,0,
Z,Zulu,45.1000000,0.1,0,
"""
SHAPES = """\
shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence
S1,45.0000000,0.0,1
S1,45.0044966,0.0,2
S1,45.0089932,0.0,3
S1,45.0179864,0.0,4
S2,45.0179864,0.0,1
S2,45.0089932,0.0,2
S2,45.0000000,0.0,3
"""
# 2023: 1 January is a Sunday; 52 of each weekday + 53 Sundays; Monday-Friday = 260 days.
# WK: Monday-Friday all year, minus Monday 25 December, plus Saturday 1 July -> 260 days.
# HOL: calendar_dates only, 25 December -> 1 day. OLD: every day of 2022 (route R3, none in 2023).
CALENDAR = """\
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,0,0,20230101,20231231
OLD,1,1,1,1,1,1,1,20220101,20221231
"""
CALENDAR_DATES = """\
service_id,date,exception_type
WK,20231225,2
WK,20230701,1
HOL,20231225,1
"""
TRIPS = """\
route_id,service_id,trip_id,shape_id
R1,WK,T1,S1
R1,WK,T2,S2
R2,HOL,T3,
R3,OLD,T4,
"""
# T1 08:00-08:20 (20 min) A->B1->C; T2 24:50-25:10 (20 min, past midnight) C->B2->A;
# T3 is a frequency template of 45 min A->C; T4 (2022 only) A->Z without shape_dist_traveled.
# {0} {1} {2} are shape_dist_traveled at 0, 1 and 2 km in the unit under test; T1's first is empty (= 0).
STOP_TIMES = """\
trip_id,arrival_time,departure_time,stop_id,stop_sequence{h}
T1,08:00:00,08:00:00,A,1{e}
T1,08:10:00,08:10:00,B1,2{1}
T1,08:20:00,08:20:00,C,3{2}
T2,24:50:00,24:50:00,C,1{0}
T2,25:00:00,25:00:00,B2,2{1}
T2,25:10:00,25:10:00,A,3{2}
T3,00:00:00,00:00:00,A,1{0}
T3,00:45:00,00:45:00,C,2{2}
T4,09:00:00,09:00:00,A,1{e}
T4,09:30:00,09:30:00,Z,2{e}
"""
# T3 runs ceil(7200 / 1800) = 4 times (06:00, 06:30, 07:00, 07:30) and, exact_times=1,
# ceil(2700 / 1800) = 2 times (10:00, 10:30): 6 runs on its one day.
FREQUENCIES = """\
trip_id,start_time,end_time,headway_secs,exact_times
T3,06:00:00,08:00:00,1800,0
T3,10:00:00,10:45:00,1800,1
"""
ROUTES = """\
route_id,route_short_name,route_type
R1,1,3
R2,2,3
R3,3,3
"""
TWO_KM = 1.9999991911  # 2 × 999.99960 m in km, the geometric length of A..C
UNITS = {"km": 1e-3, "m": 1.0, "mi": 1 / 1609.344, "ft": 1 / 0.3048}


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def stop_times(unit: str | None) -> str:
    if unit is None:
        return STOP_TIMES.format("", "", "", h="", e="")
    values = [f",{round(km * 1000 * UNITS[unit], 6)}" for km in (0, 1, 2)]
    return STOP_TIMES.format(*values, h=",shape_dist_traveled", e=",")


def network(folder: Path, unit: str | None = "km", *, shapes: bool = True, **extra: str) -> Path:
    files = {"stops": STOPS, "routes": ROUTES, "trips": TRIPS, "calendar": CALENDAR, "calendar_dates": CALENDAR_DATES,
             "stop_times": stop_times(unit), "frequencies": FREQUENCIES}
    if shapes:
        files["shapes"] = SHAPES
    return write(folder, files | extra)


def metrics(folder: Path, fee_year: int = 2023, **options: str) -> NetworkMetrics:
    return network_metrics(read_feed_tables(folder), fee_year=fee_year, **options)


# Expected for 2023 (covered: the whole year, WK runs Jan 1 - Dec 31 -> scale 1):
#   active service days: 259 weekdays without 25 Dec + Sat 1 July + 25 Dec (HOL) = 261
#   trips: 2 × 260 (T1, T2) + 6 (T3 runs) = 526
#   service hours: 260 × (20 + 20) min + 6 × 45 min = 10,400 + 270 min = 177.8333 h
#   vehicle-km: 526 × 2 km = 1,052 km
#   stops served: A, P (B1 and B2 are its quays), C = 3 (Z only in 2022); routes: R1, R2 = 2
#   peak: the busiest day is 25 Dec (6 runs of T3); 06:00-06:45 and 06:30-07:15 overlap -> 2
HOURS = (260 * 40 + 6 * 45) / 60


def assert_reference_figures(result: NetworkMetrics, km_per_trip: float = 2.0) -> None:
    assert (result.days_in_year, result.covered_days, result.scale_factor) == (365, 365, 1.0)
    assert result.active_service_days == result.measured["active_service_days"] == 261
    assert result.trips == result.measured["trips"] == 526
    assert result.measured["service_hours"] == pytest.approx(HOURS, abs=1e-3)
    assert result.service_hours == pytest.approx(HOURS, abs=0.05)
    assert result.measured["vehicle_km"] == pytest.approx(526 * km_per_trip, rel=1e-5)
    assert (result.stops_served, result.routes, result.peak_vehicles) == (3, 2, 2)
    assert result.busiest_day == "2023-12-25"
    assert result.warnings == []


@pytest.mark.parametrize("unit", ["km", "m", "mi", "ft"])
@pytest.mark.parametrize("shapes", [True, False], ids=["vs-shapes", "vs-stops"])
def test_shape_dist_traveled_unit_is_inferred(tmp_path: Path, unit: str, shapes: bool) -> None:
    result = metrics(network(tmp_path, unit, shapes=shapes))
    assert_reference_figures(result)
    assert result.vehicle_km_method == f"shape_dist_traveled:{unit}"
    assert result.vehicle_km_methods == {f"shape_dist_traveled:{unit}": 1.0}
    # T1/T2 span 2 km in `unit` against 1.999999 km of shape, or of stop-to-stop straight lines
    assert result.unit_ratio == pytest.approx(UNITS[unit], rel=1e-4)
    assert result.unit_reference == ("shapes" if shapes else "stops")


def test_without_shape_dist_traveled_lengths_come_from_geometry(tmp_path: Path) -> None:
    result = metrics(network(tmp_path, None))
    assert_reference_figures(result, km_per_trip=TWO_KM)
    # T1, T2 (520 runs) follow shapes S1/S2; T3 (6 runs, no shape) goes A -> C in a straight line
    assert result.vehicle_km_method == "shape_geometry"
    assert result.vehicle_km_methods == {"shape_geometry": round(520 / 526, 4), "stop_haversine": round(6 / 526, 4)}
    assert result.unit_ratio is None


def test_days_trips_past_midnight_and_frequencies(tmp_path: Path) -> None:
    days = daily_figures(read_feed_tables(network(tmp_path)), date(2023, 6, 30), date(2023, 7, 3)).set_index("date")
    # Fri 30 June: T1 + T2; Sat 1 July (added): T1 + T2; Sun 2 July: nothing, although T2 of
    # Saturday runs until 01:10 on Sunday (it belongs to Saturday's service); Mon 3 July: T1 + T2.
    assert days["trips"].tolist() == [2, 2, 0, 2]
    assert days["service_hours"].tolist() == pytest.approx([40 / 60, 40 / 60, 0, 40 / 60])
    christmas = daily_figures(read_feed_tables(tmp_path), date(2023, 12, 25), date(2023, 12, 25)).iloc[0]
    # WK removed, HOL added: 6 frequency runs of 45 min and 2 km
    assert (christmas["trips"], christmas["service_hours"], christmas["vehicle_km"]) == pytest.approx((6, 4.5, 12))


def test_peak_counts_the_previous_days_trips_past_midnight(tmp_path: Path) -> None:
    # N1 runs 22:00-26:00 every day, D1 01:00-02:00: at 01:00 yesterday's N1 and today's D1 run -> 2
    write(tmp_path, {
        "stops": STOPS, "routes": ROUTES,
        "calendar": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                    "ALL,1,1,1,1,1,1,1,20230101,20231231\n",
        "trips": "route_id,service_id,trip_id\nR1,ALL,N1\nR1,ALL,D1\n",
        "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                      "N1,22:00:00,22:00:00,A,1\nN1,26:00:00,26:00:00,C,2\n"
                      "D1,01:00:00,01:00:00,C,1\nD1,02:00:00,02:00:00,A,2\n",
    })
    result = metrics(tmp_path)
    assert result.peak_vehicles == 2
    assert result.trips == 2 * 365 and result.service_hours == 5 * 365
    assert result.vehicle_km_method == "stop_haversine"


def three_months(folder: Path, **extra: str) -> Path:
    # WK runs Monday-Friday from 1 March to 31 May 2023: 92 days, 23 + 20 + 23 = 66 weekdays; T1 only
    return write(folder, {
        "stops": STOPS, "routes": ROUTES, "shapes": SHAPES,
        "calendar": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                    "WK,1,1,1,1,1,0,0,20230301,20230531\n",
        "trips": "route_id,service_id,trip_id,shape_id\nR1,WK,T1,S1\n",
        "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled\n"
                      "T1,08:00:00,08:00:00,A,1,0\nT1,08:10:00,08:10:00,B1,2,1.0\nT1,08:20:00,08:20:00,C,3,2.0\n",
    } | extra)


def test_a_feed_covering_three_months_is_scaled_to_the_year(tmp_path: Path) -> None:
    result = metrics(three_months(tmp_path))
    scale = 365 / 92  # 3.967391
    assert (result.covered_days, result.covered_from, result.covered_to) == (92, "2023-03-01", "2023-05-31")
    assert result.scale_factor == pytest.approx(scale)
    assert result.measured | {"peak_vehicles": None} == {
        "active_service_days": 66, "trips": 66, "service_hours": 22.0, "vehicle_km": 132.0,  # 66 × 20 min, 66 × 2 km
        "stops_served": 3, "routes": 1, "peak_vehicles": None}
    assert result.trips == round(66 * scale) == 262
    assert result.active_service_days == 262
    assert result.service_hours == pytest.approx(22 * scale, abs=0.05)  # 87.3
    assert result.vehicle_km == pytest.approx(132 * scale, abs=0.05)  # 523.7
    assert (result.stops_served, result.routes, result.peak_vehicles) == (3, 1, 1)  # not scaled


def test_feed_info_dates_are_the_coverage_when_asked(tmp_path: Path) -> None:
    folder = three_months(tmp_path, feed_info="feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,"
                                              "feed_end_date\nBus,https://example.org,en,20230101,20231231\n")
    assert metrics(folder).covered_days == 92  # the default ignores the declaration
    declared = metrics(folder, coverage="feed_info")
    assert (declared.covered_days, declared.scale_factor, declared.trips) == (365, 1.0, 66)
    with pytest.raises(ValueError, match="coverage must be"):
        metrics(folder, coverage="declared")


def test_a_fee_year_without_coverage_gives_zeros_and_a_warning(tmp_path: Path) -> None:
    result = metrics(three_months(tmp_path), fee_year=2025)
    assert (result.covered_days, result.scale_factor, result.trips, result.service_hours, result.vehicle_km) == \
        (0, 0.0, 0, 0.0, 0.0)
    assert (result.active_service_days, result.stops_served, result.routes, result.peak_vehicles) == (0, 0, 0, None)
    assert any("no day of 2025" in warning for warning in result.warnings)
    assert json.loads(json.dumps(result.to_dict()))["warnings"] == result.warnings


def test_broken_or_empty_feeds_do_not_crash(tmp_path: Path) -> None:
    empty = metrics(write(tmp_path / "empty", {"stops": STOPS}))
    assert (empty.trips, empty.covered_days, empty.vehicle_km_method) == (0, 0, "none")
    broken = write(tmp_path / "broken", {
        "stops": STOPS, "routes": ROUTES, "calendar": CALENDAR, "trips": TRIPS,
        "stop_times": stop_times("km").replace("08:10:00,08:10:00", "8h10,"),
        "frequencies": FREQUENCIES + "T3,09:00:00,08:00:00,0,0\nT9,06:00:00,07:00:00,600,0\n",
    })
    result = metrics(broken)
    assert any("frequencies.txt" in warning for warning in result.warnings)
    assert result.trips == 2 * 260 and result.measured["service_hours"] == pytest.approx(260 * 40 / 60, abs=1e-3)
    json.dumps(result.to_dict(), allow_nan=False)


def test_to_dict_is_json_safe(tmp_path: Path) -> None:
    data = metrics(network(tmp_path)).to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert set(data) >= {"fee_year", "days_in_year", "covered_days", "scale_factor", "active_service_days", "trips",
                         "service_hours", "vehicle_km", "stops_served", "routes", "peak_vehicles",
                         "vehicle_km_method", "unit_ratio", "measured", "warnings"}


def test_one_caltrain_day_matches_gtfs_kit(feeds_dir: Path) -> None:
    import gtfs_kit

    path = feeds_dir / "regional_bayarea" / "caltrain_2017-10-02.zip"
    day = date(2018, 7, 11)  # a Wednesday
    ours = daily_figures(read_feed_tables(path), day, day).iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        feed = gtfs_kit.read_feed(path, dist_units="km")
        active = gtfs_kit.trips.get_active_services(feed, day.strftime("%Y%m%d"))
        trip_ids = feed.trips.loc[feed.trips["service_id"].isin(active), "trip_id"].tolist()
        stats = gtfs_kit.compute_trip_stats(gtfs_kit.restrict_to_trips(feed, trip_ids))
    assert len(stats) > 50
    assert ours["trips"] == pytest.approx(len(stats), rel=0.01)
    assert ours["service_hours"] == pytest.approx(stats["duration"].sum(), rel=0.01)  # hours
    assert ours["vehicle_km"] == pytest.approx(stats["distance"].sum(), rel=0.02)  # km: no shape_dist_traveled
    assert not math.isnan(ours["vehicle_km"])


def test_bike_share_size_of_a_hand_built_v2_snapshot(tmp_path: Path) -> None:
    def doc(data: dict) -> str:
        return json.dumps({"last_updated": 1, "ttl": 0, "version": "2.2", "data": data})

    feeds = [{"name": name, "url": f"https://example.org/gbfs/{name}"}
             for name in ("station_information", "station_status", "free_bike_status")]
    (tmp_path / "gbfs.json").write_text(doc({"en": {"feeds": feeds}}))
    (tmp_path / "station_information.json").write_text(doc({"stations": [
        {"station_id": "s1", "capacity": 10}, {"station_id": "s2", "capacity": 5}]}))
    (tmp_path / "station_status.json").write_text(doc({"stations": [
        {"station_id": "s1", "num_bikes_available": 3, "num_bikes_disabled": 1},
        {"station_id": "s2", "num_bikes_available": 2}]}))
    # one bike is docked at s1 (already counted by station_status), two are free-floating
    (tmp_path / "free_bike_status.json").write_text(doc({"bikes": [
        {"bike_id": "b1", "station_id": "s1"}, {"bike_id": "b2"}, {"bike_id": "b3"}]}))
    size = bike_share_size(tmp_path)
    assert {k: size[k] for k in ("stations", "vehicles", "docks", "vehicles_at_stations", "vehicles_free_floating",
                                 "version")} == {"stations": 2, "vehicles": 3 + 1 + 2 + 2, "docks": 15,
                                                 "vehicles_at_stations": 6, "vehicles_free_floating": 2,
                                                 "version": "2.2"}
    (tmp_path / "station_status.json").write_text("{not json")
    broken = bike_share_size(tmp_path)
    assert broken["vehicles"] == 3 and broken["docks"] == 15  # every free bike counts without station status
    assert any("station_status.json" in warning for warning in broken["warnings"])


def test_bike_share_size_of_real_snapshots(feeds_dir: Path, tmp_path: Path) -> None:
    baywheels = bike_share_size(feeds_dir / "gbfs" / "baywheels_2022-09-16")
    assert baywheels["stations"] == 496 and baywheels["vehicles_free_floating"] == 720
    assert baywheels["docks"] > baywheels["stations"] and baywheels["vehicles_at_stations"] > 0
    almere = bike_share_size(feeds_dir / "gbfs" / "otp_ridecheck_almere")  # v3, vehicle_status only
    assert (almere["stations"], almere["docks"], almere["version"]) == (0, 0, "3.0") and almere["vehicles"] > 0
    missing = bike_share_size(tmp_path / "nowhere")
    assert (missing["stations"], missing["vehicles"], missing["docks"]) == (0, 0, 0) and missing["warnings"]


WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
calendar_rows = st.lists(st.tuples(st.sampled_from(["S0", "S1", "S2"]), st.lists(st.booleans(), min_size=7, max_size=7),
                                   st.integers(0, 60), st.integers(0, 60)), max_size=4)
exception_rows = st.lists(st.tuples(st.sampled_from(["S0", "S1", "S2", "S3"]), st.integers(0, 60),
                                    st.sampled_from(["1", "2"])), max_size=8)


@settings(max_examples=60, deadline=None)
@given(calendar_rows, exception_rows, st.integers(0, 40))
def test_vectorised_calendar_matches_a_day_by_day_expansion(calendar: list, exceptions: list, first: int) -> None:
    origin = date(2023, 12, 1)  # the days span the turn of the year (and 2024 is a leap year)
    text = [f"{service},{','.join('1' if on else '0' for on in flags)},{day(origin, a)},{day(origin, a + length)}"
            for service, flags, a, length in calendar]
    feed = FeedTables(path=Path("."), members=[], encodings={}, problems=[], tables={
        "calendar": frame("service_id," + ",".join(WEEKDAY_NAMES) + ",start_date,end_date", text),
        "calendar_dates": frame("service_id,date,exception_type",
                                [f"{s},{day(origin, d)},{t}" for s, d, t in exceptions]),
        "trips": frame("route_id,service_id,trip_id", [f"R,{s},T{s}" for s in ("S0", "S1", "S2", "S3")]),
        "stop_times": frame("trip_id,arrival_time,departure_time,stop_id,stop_sequence",
                            [f"T{s},08:00:00,08:00:00,A,{n}" for s in ("S0", "S1", "S2", "S3") for n in (1, 2)]),
    })
    start = origin + timedelta(days=first)
    ours = daily_figures(feed, start, start + timedelta(days=80))
    expected = []
    for offset in range(81):  # the obvious day-by-day loop, per service
        today = start + timedelta(days=offset)
        running = set()
        for service in ("S0", "S1", "S2", "S3"):
            on = any(s == service and flags[today.weekday()] and origin + timedelta(days=a) <= today
                     <= origin + timedelta(days=a + length) for s, flags, a, length in calendar)
            added = any(s == service and origin + timedelta(days=d) == today and t == "1" for s, d, t in exceptions)
            removed = any(s == service and origin + timedelta(days=d) == today and t == "2" for s, d, t in exceptions)
            if (on or added) and not removed:
                running.add(service)
        expected.append(len(running))
    assert ours["trips"].tolist() == expected

    # coverage of 2024: start..end of each calendar row running some (not removed) day, and added dates
    removals = {(s, d) for s, d, t in exceptions if t == "2"}
    ends = [(a, a + length) for s, flags, a, length in calendar
            if any(flags[(origin + timedelta(days=d)).weekday()] and (s, d) not in removals
                   for d in range(a, a + length + 1))]
    ends += [(d, d) for s, d, t in exceptions if t == "1" and (s, d) not in removals]
    window = (max(origin + timedelta(days=min(a for a, _ in ends)), date(2024, 1, 1)),
              min(origin + timedelta(days=max(b for _, b in ends)), date(2024, 12, 31))) if ends else None
    result = network_metrics(feed, fee_year=2024)
    if window is None or window[0] > window[1]:
        assert result.covered_days == 0 and result.warnings
    else:
        assert (result.covered_from, result.covered_to) == (window[0].isoformat(), window[1].isoformat())
        assert result.covered_days == (window[1] - window[0]).days + 1


def day(origin: date, offset: int) -> str:
    return (origin + timedelta(days=offset)).strftime("%Y%m%d")


def frame(header: str, lines: list[str]) -> pd.DataFrame:
    columns = header.split(",")
    rows = [line.split(",") for line in lines]
    result = pd.DataFrame(rows, columns=columns, dtype="str") if rows else pd.DataFrame(columns=columns, dtype="str")
    result["_row"] = range(2, len(result) + 2)
    return result
