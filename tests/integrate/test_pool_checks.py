"""Pool-level checks across operators (regie.integrate.checks.pool_checks): id collisions, duplicate trips,
unlinked nearby stops, calendar gaps; on tiny normalised feeds written to tmp_path and on the real
Bay Area set (BART, Caltrain, County Connection)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from quality.notices import NOTICE_COLUMNS
from regie.config.operators import Operator
from regie.gtfs.feed_tables import read_feed_tables
from regie.integrate.checks import PoolCheckSettings, pool_checks, pool_stops
from regie.integrate.checks.calendar_gap import CALENDAR_GAP, calendar_gaps
from regie.integrate.checks.common import stop_hubs
from regie.integrate.checks.duplicate_trip import DUPLICATE_TRIP, duplicate_trips
from regie.integrate.checks.id_collision import ID_COLLISION, id_collisions
from regie.integrate.checks.nearby_stops import UNLINKED_NEARBY_STOPS, unlinked_nearby_stops
from regie.integrate.normalise import NormalisedFeed, normalise_operator
from regie.integrate.stops.matching import match_stops
from regie.integrate.stops.overrides import StopMatchOverrides

BAY_AREA = {"bart": "bart_2018-05-26.zip", "caltrain": "caltrain_2017-10-02.zip",
            "countyconnection": "countyconnection_2018-08-12.zip"}
ZONE = "Europe/Paris"
LAT, LON = 45.0, 5.0
M_LAT = 1 / 111_195  # one metre north, in degrees


def operator(op_id: str) -> Operator:
    return Operator(id=op_id, name=op_id.title(), modes=["bus"], contact="data@example.org", licence="CC-BY-4.0",
                    openness="open", member_from="2020-01-01",
                    feeds=[{"kind": "gtfs", "id": "main", "url": f"file:///feeds/{op_id}.zip"}])


def stop_rows(*stops: tuple) -> str:
    """(id, name, metres north of LAT) or (id, name, north, location_type, parent) -> stops.txt."""
    lines = ["stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station"]
    for stop in stops:
        stop_id, name, north, *rest = stop
        kind, parent = (rest + ["", ""])[:2] if rest else ("", "")
        lines.append(f"{stop_id},{name},{LAT + north * M_LAT:.7f},{LON},{kind},{parent}")
    return "\n".join(lines)


def timetable(trip_id: str, stop_ids: list[str], start_min: int = 8 * 60, step_min: int = 10) -> list[str]:
    rows = []
    for n, stop_id in enumerate(stop_ids):
        minutes = start_min + n * step_min
        rows.append(f"{trip_id},{minutes // 60:02d}:{minutes % 60:02d}:00,{minutes // 60:02d}:{minutes % 60:02d}:00,"
                    f"{stop_id},{n + 1}")
    return rows


def normalised(folder: Path, op_id: str, *, stops: str, stop_times: list[str], trips: str = "R1,WK,T1",
               calendar: str = "WK,1,1,1,1,1,1,1,20240101,20240630", calendar_dates: str = "",
               routes: str = "R1,3") -> NormalisedFeed:
    tables = {
        "agency": f"agency_id,agency_name,agency_url,agency_timezone\nA,{op_id},https://{op_id}.example,{ZONE}",
        "routes": "route_id,route_type\n" + routes,
        "stops": stops,
        "trips": "route_id,service_id,trip_id\n" + trips,
        "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "\n".join(stop_times),
        "calendar": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                    + calendar,
    }
    if calendar_dates:
        tables["calendar_dates"] = "service_id,date,exception_type\n" + calendar_dates
    key = (op_id, tuple(sorted(tables.items())))
    if key not in _NORMALISED:  # the same small feed recurs across tests; never modified by the checks
        _NORMALISED[key] = _normalise(folder / f"{op_id}-{len(_NORMALISED)}", op_id, tables)  # a fresh folder
    return _NORMALISED[key]


_NORMALISED: dict[tuple, NormalisedFeed] = {}


def _normalise(path: Path, op_id: str, tables: dict[str, str]) -> NormalisedFeed:
    path.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (path / f"{name}.txt").write_text(text.strip() + "\n", encoding="utf-8")
    return normalise_operator(operator(op_id), [read_feed_tables(path)], region_timezone=ZONE)


def check(*feeds: NormalisedFeed, code: str | None = None, overrides: StopMatchOverrides | None = None,
          **settings) -> pd.DataFrame:
    """All pool findings, or (with `code`) only those of the one check that makes that code."""
    by_id = {feed.operator_id: feed for feed in feeds}
    stops = pool_stops(by_id)
    match, options = match_stops(stops, overrides), PoolCheckSettings(**settings)
    if code is None:
        findings = pool_checks(by_id, match, stops, options)
    else:
        hub_of = stop_hubs(match, stops)
        findings = {ID_COLLISION: lambda: id_collisions(by_id),
                    DUPLICATE_TRIP: lambda: duplicate_trips(by_id, hub_of, options),
                    UNLINKED_NEARBY_STOPS: lambda: unlinked_nearby_stops(stops, match, hub_of, options),
                    CALENDAR_GAP: lambda: calendar_gaps(by_id, match, options)}[code]()
        assert set(findings["code"]) <= {code}
    assert list(findings.columns) == NOTICE_COLUMNS
    assert set(findings["source"]) <= {"pool"}
    json.dumps(findings["context"].tolist())  # JSON-serialisable
    return findings


def of(findings: pd.DataFrame, code: str) -> pd.DataFrame:
    return findings[findings["code"] == code].reset_index(drop=True)


# three stations along a line, 1 km apart; `line` places them at the same points for both operators
LINE = [("A", "Gare Centrale", 0), ("B", "Mairie", 1000), ("C", "Hopital Nord", 2000)]


def line_feed(folder: Path, op_id: str, *, start_min: int = 8 * 60, calendar: str | None = None,
              north_shift: float = 0.0, **kwargs) -> NormalisedFeed:
    stops = stop_rows(*[(f"{op_id[0].upper()}{s}", name, north + north_shift) for s, name, north in LINE])
    times = timetable("T1", [f"{op_id[0].upper()}{s}" for s, _, _ in LINE], start_min)
    return normalised(folder, op_id, stops=stops, stop_times=times,
                      **({"calendar": calendar} if calendar else {}), **kwargs)


# ---------------------------------------------------------------- 1. id collisions

def test_same_raw_ids_of_two_operators_are_one_info_per_kind_and_pair(tmp_path: Path) -> None:
    rail = line_feed(tmp_path, "rail")  # stops RA, RB, RC; route R1, service WK, trip T1
    bus = line_feed(tmp_path, "bus", north_shift=50_000)  # stops BA...; same route, service, trip ids
    coach = normalised(tmp_path, "coach", stops=stop_rows(("RA", "Far", 90_000), ("X", "Far 2", 91_000)),
                       stop_times=timetable("K1", ["RA", "X"]), trips="K,WK2,K1", routes="K,3",
                       calendar="WK2,1,1,1,1,1,0,0,20240101,20240630")
    found = of(check(rail, bus, coach), ID_COLLISION)
    assert set(found["severity"]) == {"INFO"}
    keys = {(c["kind"], c["operator_a"], c["operator_b"]): c for c in found["context"]}
    assert set(keys) == {("route", "bus", "rail"), ("service", "bus", "rail"), ("trip", "bus", "rail"),
                         ("agency", "bus", "rail"), ("agency", "bus", "coach"), ("agency", "coach", "rail"),
                         ("stop", "coach", "rail")}
    assert keys[("stop", "coach", "rail")]["count"] == 1 and keys[("stop", "coach", "rail")]["sample_ids"] == ["RA"]
    assert keys[("route", "bus", "rail")]["sample_ids"] == ["R1"]
    row = found[[c["kind"] == "stop" for c in found["context"]]].iloc[0]
    assert (row["file"], row["field"]) == ("stops.txt", "stop_id")
    assert "coach and rail" in row["message"] and "RA" in row["message"]


def test_distinct_raw_ids_are_no_collision(tmp_path: Path) -> None:
    rail = line_feed(tmp_path, "rail", trips="R1,WK,T1")
    bus = normalised(tmp_path, "bus", stops=stop_rows(("BA", "Ailleurs", 50_000), ("BB", "Ailleurs 2", 51_000)),
                     stop_times=timetable("U1", ["BA", "BB"]), trips="L9,SEM,U1", routes="L9,3",
                     calendar="SEM,1,1,1,1,1,0,0,20240101,20240630")
    found = check(rail, bus, code=ID_COLLISION)
    assert [c["kind"] for c in found["context"]] == ["agency"]  # both agencies are "A"; nothing else


def test_many_colliding_ids_give_one_finding_with_count_and_sample(tmp_path: Path) -> None:
    ids = [f"S{n:03d}" for n in range(40)]
    rows = [(i, f"Arret {i}", n * 500) for n, i in enumerate(ids)]
    a = normalised(tmp_path, "alpha", stops=stop_rows(*rows), stop_times=timetable("A1", ids[:3]), trips="R1,WK,A1")
    b = normalised(tmp_path, "beta", stops=stop_rows(*[(i, name, north + 80_000) for i, name, north in rows]),
                   stop_times=timetable("B1", ids[:3]), trips="R2,WK,B1", routes="R2,3")
    stop = check(a, b, code=ID_COLLISION)
    stop = stop[[c["kind"] == "stop" for c in stop["context"]]]
    assert len(stop) == 1
    assert stop.iloc[0]["context"]["count"] == 40 and stop.iloc[0]["context"]["sample_ids"] == ids[:5]
    assert stop.iloc[0]["message"].startswith("40 stop_id value(s)")


# ---------------------------------------------------------------- 2. duplicate trips

def test_same_trip_published_by_two_operators_is_a_duplicate(tmp_path: Path) -> None:
    rail = line_feed(tmp_path, "rail")
    bus = line_feed(tmp_path, "bus", trips="R1,WK,T1",
                    calendar="WK,1,1,1,1,1,1,1,20240601,20241231")  # overlaps June 2024
    findings = check(rail, bus)
    found = of(findings, DUPLICATE_TRIP)
    assert len(found) == 1 and found.iloc[0]["severity"] == "WARNING"
    context = found.iloc[0]["context"]
    assert (context["trip_id_a"], context["trip_id_b"]) == ("bus:T1", "rail:T1")
    assert context["stops"] == 3 and context["first_departure"] == "08:00:00"
    assert context["common_dates"] == 30
    assert (context["first_common_date"], context["last_common_date"]) == ("2024-06-01", "2024-06-30")
    assert "bus:T1" in found.iloc[0]["message"] and "rail:T1" in found.iloc[0]["message"]


def test_duplicated_trip_with_different_times_is_not_flagged(tmp_path: Path) -> None:
    rail = line_feed(tmp_path, "rail")
    bus = line_feed(tmp_path, "bus", start_min=8 * 60 + 1)  # one minute later at every stop
    assert check(rail, bus, code=DUPLICATE_TRIP).empty
    # one stop one minute off is enough
    times = timetable("T1", ["BA", "BB", "BC"])
    times[1] = times[1].replace("08:10:00,08:10:00", "08:10:00,08:11:00")
    bus = normalised(tmp_path, "bus", stops=stop_rows(*[(f"B{s}", n, north) for s, n, north in LINE]), stop_times=times)
    assert check(rail, bus, code=DUPLICATE_TRIP).empty


def test_same_times_without_a_common_date_or_at_unlinked_stops_are_not_duplicates(tmp_path: Path) -> None:
    rail = line_feed(tmp_path, "rail")
    later = line_feed(tmp_path, "bus", calendar="WK,1,1,1,1,1,1,1,20240701,20241231")
    assert check(rail, later, code=DUPLICATE_TRIP).empty
    removed = line_feed(tmp_path, "bus", calendar="WK,0,0,0,0,0,0,1,20240630,20240630",
                        calendar_dates="WK,20240630,2\nWK,20240629,1")  # 29 June (a Saturday) only
    assert len(check(rail, removed, code=DUPLICATE_TRIP)) == 1
    removed = line_feed(tmp_path, "bus", calendar="WK,0,0,0,0,0,0,1,20240630,20240630",
                        calendar_dates="WK,20240630,2\nWK,20240701,1")
    assert check(rail, removed, code=DUPLICATE_TRIP).empty
    elsewhere = line_feed(tmp_path, "bus", north_shift=5000)  # same times, other places (no hub)
    assert check(rail, elsewhere, code=DUPLICATE_TRIP).empty
    # the same stops, but the stop matching denied: not the same stops any more
    deny = StopMatchOverrides(deny=[{"a": f"bus:B{s}", "b": f"rail:R{s}"} for s, _, _ in LINE])
    assert check(rail, line_feed(tmp_path, "bus"), overrides=deny, code=DUPLICATE_TRIP).empty


def test_duplicate_trip_minimum_stops(tmp_path: Path) -> None:
    rail, bus = line_feed(tmp_path, "rail"), line_feed(tmp_path, "bus")
    assert len(check(rail, bus, duplicate_trip_min_stops=3, code=DUPLICATE_TRIP)) == 1
    assert check(rail, bus, duplicate_trip_min_stops=4, code=DUPLICATE_TRIP).empty


def test_a_feed_with_two_identical_trips_is_not_a_pool_duplicate(tmp_path: Path) -> None:
    stops = stop_rows(*[(f"R{s}", n, north) for s, n, north in LINE])
    times = timetable("T1", ["RA", "RB", "RC"]) + timetable("T2", ["RA", "RB", "RC"])
    rail = normalised(tmp_path, "rail", stops=stops, stop_times=times, trips="R1,WK,T1\nR1,WK,T2")
    other = normalised(tmp_path, "bus", stops=stop_rows(("X", "Ailleurs", 60_000), ("Y", "Ailleurs 2", 61_000)),
                       stop_times=timetable("U", ["X", "Y"]), trips="R1,WK,U")
    assert check(rail, other, code=DUPLICATE_TRIP).empty  # a single-feed validator's business


# ---------------------------------------------------------------- 3. unlinked nearby stops

def test_close_stops_of_two_operators_outside_any_hub_are_flagged(tmp_path: Path) -> None:
    rail = normalised(tmp_path, "rail", stops=stop_rows(("P1", "Gare Centrale", 0), ("P2", "Mairie", 1000)),
                      stop_times=timetable("T1", ["P1", "P2"]))
    bus = normalised(tmp_path, "bus", stops=stop_rows(("Q1", "Boulangerie Dupont", 10), ("Q2", "Zoo", 3000)),
                     stop_times=timetable("U1", ["Q1", "Q2"], 9 * 60))
    found = of(check(rail, bus), UNLINKED_NEARBY_STOPS)
    assert len(found) == 1 and found.iloc[0]["severity"] == "WARNING"
    context = found.iloc[0]["context"]
    assert (context["stop_id_a"], context["stop_id_b"]) == ("bus:Q1", "rail:P1")
    assert (context["operator_a"], context["operator_b"]) == ("bus", "rail")
    assert context["distance_m"] == pytest.approx(10, abs=0.5)
    assert context["decision"] == "rejected" and context["hub_a"] is None
    assert "10 m apart" in found.iloc[0]["message"] and "Boulangerie Dupont" in found.iloc[0]["message"]
    # a lower threshold, or a deny override (a decision someone made), silences it
    assert check(rail, bus, near_stop_m=9, code=UNLINKED_NEARBY_STOPS).empty
    deny = StopMatchOverrides(deny=[{"a": "bus:Q1", "b": "rail:P1"}])
    assert check(rail, bus, overrides=deny, code=UNLINKED_NEARBY_STOPS).empty


def test_stops_30_m_apart_linked_by_a_hub_are_not_flagged(tmp_path: Path) -> None:
    rail = normalised(tmp_path, "rail", stops=stop_rows(("P1", "Gare Centrale", 0), ("P2", "Mairie", 1000)),
                      stop_times=timetable("T1", ["P1", "P2"]))
    bus = normalised(tmp_path, "bus", stops=stop_rows(("Q1", "Gare Centrale", 30), ("Q2", "Zoo", 3000)),
                     stop_times=timetable("U1", ["Q1", "Q2"], 9 * 60))
    assert check(rail, bus, near_stop_m=50, code=UNLINKED_NEARBY_STOPS).empty  # same hub
    assert check(rail, bus, code=UNLINKED_NEARBY_STOPS).empty  # 30 m >= 25 m anyway
    # without the hub (a matching that pairs nothing), the same stops are flagged within 50 m
    stops = pool_stops({"rail": rail, "bus": bus})
    unmatched = match_stops(stops, max_distance_m=1)
    assert unmatched.hubs.empty
    found = of(pool_checks({"rail": rail, "bus": bus}, unmatched, stops, PoolCheckSettings(near_stop_m=50)),
               UNLINKED_NEARBY_STOPS)
    assert len(found) == 1 and found.iloc[0]["context"]["distance_m"] == pytest.approx(30, abs=0.5)


def test_platforms_follow_their_station_into_the_hub(tmp_path: Path) -> None:
    # the bus stop matches the rail station; the rail platform 12 m away is the station's child
    rail = normalised(tmp_path, "rail", stops=stop_rows(("ST", "Gare Centrale", 0, 1, ""), ("P1", "Quai 1", 12, 0, "ST"),
                                                       ("P2", "Mairie", 1000)),
                      stop_times=timetable("T1", ["P1", "P2"]))
    bus = normalised(tmp_path, "bus", stops=stop_rows(("Q1", "Gare Centrale", 0), ("Q2", "Zoo", 3000)),
                     stop_times=timetable("U1", ["Q1", "Q2"], 9 * 60))
    stops = pool_stops({"rail": rail, "bus": bus})
    match = match_stops(stops)
    hub_of = stop_hubs(match, stops)
    assert hub_of["rail:P1"] == hub_of["bus:Q1"] == hub_of["rail:ST"]
    assert check(rail, bus, code=UNLINKED_NEARBY_STOPS).empty


# ---------------------------------------------------------------- 4. calendar gaps

def test_an_operator_ending_earlier_on_a_shared_corridor_is_a_gap(tmp_path: Path) -> None:
    rail = line_feed(tmp_path, "rail")  # 2024-01-01 .. 2024-06-30
    bus = line_feed(tmp_path, "bus", calendar="WK,1,1,1,1,1,1,1,20240101,20241231", start_min=9 * 60)
    found = of(check(rail, bus), CALENDAR_GAP)
    assert len(found) == 1 and found.iloc[0]["severity"] == "WARNING"
    context = found.iloc[0]["context"]
    assert (context["operator_running"], context["operator_missing"]) == ("bus", "rail")
    assert (context["first_date"], context["last_date"], context["days"]) == ("2024-07-01", "2024-12-31", 184)
    assert context["gap_kind"] == "after_end" and context["missing_end"] == "2024-06-30"
    assert context["shared_hubs"] == 3
    message = found.iloc[0]["message"]
    assert message.startswith("rail has no service from 2024-07-01 to 2024-12-31 (184 days; its service ends "
                              "on 2024-06-30) while bus runs on every one of them")
    assert "their 3 shared hubs (Gare Centrale" in message


def test_gaps_before_the_start_and_inside_the_span(tmp_path: Path) -> None:
    rail = line_feed(tmp_path, "rail", calendar="WK,1,1,1,1,1,1,1,20240301,20240630",
                     calendar_dates="WK,20240501,2\nWK,20240502,2\nWK,20240510,2")
    bus = line_feed(tmp_path, "bus", calendar="WK,1,1,1,1,1,1,1,20240101,20240630", start_min=9 * 60)
    found = check(rail, bus, code=CALENDAR_GAP)
    got = [(c["first_date"], c["last_date"], c["gap_kind"], c["operator_missing"]) for c in found["context"]]
    assert got == [("2024-01-01", "2024-02-29", "before_start", "rail"),
                   ("2024-05-01", "2024-05-02", "interruption", "rail"),
                   ("2024-05-10", "2024-05-10", "interruption", "rail")]
    assert found.iloc[2]["message"].startswith("rail has no service on 2024-05-10 (1 day) while bus runs, ")
    longer = check(rail, bus, calendar_gap_min_days=2, code=CALENDAR_GAP)
    assert [c["days"] for c in longer["context"]] == [60, 2]



def test_a_weekday_only_partner_has_no_weekend_gaps_but_holidays_are(tmp_path: Path) -> None:
    rail = line_feed(tmp_path, "rail", calendar="WK,1,1,1,1,1,0,0,20240101,20240630",
                     calendar_dates="WK,20240401,2")  # Easter Monday off
    bus = line_feed(tmp_path, "bus", calendar="WK,1,1,1,1,1,1,1,20240101,20240630", start_min=9 * 60)
    found = check(rail, bus, code=CALENDAR_GAP)
    assert [(c["first_date"], c["last_date"], c["operator_missing"]) for c in found["context"]] == [
        ("2024-04-01", "2024-04-01", "rail")]


def test_days_when_neither_runs_and_unrelated_operators_are_no_gap(tmp_path: Path) -> None:
    # both run on weekdays only: weekends are no gap; the same calendar: nothing
    weekdays = "WK,1,1,1,1,1,0,0,20240101,20240630"
    rail = line_feed(tmp_path, "rail", calendar=weekdays)
    bus = line_feed(tmp_path, "bus", calendar=weekdays, start_min=9 * 60)
    assert check(rail, bus, code=CALENDAR_GAP).empty
    # operators sharing no hub serve different corridors: no gap, whatever their calendars
    far = line_feed(tmp_path, "bus", calendar="WK,1,1,1,1,1,1,1,20250101,20251231", north_shift=50_000)
    assert check(rail, far, code=CALENDAR_GAP).empty
    late = line_feed(tmp_path, "bus", calendar="WK,1,1,1,1,1,1,1,20250101,20251231", start_min=9 * 60)
    found = check(rail, late, code=CALENDAR_GAP)
    # rail alone in 2024 is one period (its weekends inside it, not one finding a week), bus alone in 2025
    got = [(c["operator_running"], c["first_date"], c["last_date"], c["days"], c["service_days"], c["gap_kind"])
           for c in found["context"]]
    assert got == [("rail", "2024-01-01", "2024-06-28", 180, 130, "before_start"),
                   ("bus", "2025-01-01", "2025-12-31", 365, 365, "after_end")]
    assert "on 130 of them" in found.iloc[0]["message"]
    # corridor_min_shared_hubs above the 3 shared hubs: not the same corridor
    assert check(rail, late, corridor_min_shared_hubs=4, code=CALENDAR_GAP).empty


# ---------------------------------------------------------------- the real Bay Area set

@pytest.fixture(scope="module")
def bay(feeds_dir: Path) -> dict[str, NormalisedFeed]:
    folder = feeds_dir / "regional_bayarea"
    if not folder.is_dir():
        pytest.skip(f"Bay Area feeds not found at {folder}")
    return {op_id: normalise_operator(operator(op_id), [read_feed_tables(folder / name)],
                                      region_timezone="America/Los_Angeles") for op_id, name in BAY_AREA.items()}


@pytest.fixture(scope="module")
def bay_pool(bay):
    stops = pool_stops(bay)
    match = match_stops(stops)
    return stops, match, pool_checks(bay, match, stops)


def test_bay_area_stops_frame_keeps_the_normalised_ids(bay, bay_pool) -> None:
    stops, _, _ = bay_pool
    expected = set().union(*(set(feed.tables["stops"]["stop_id"]) for feed in bay.values()))
    assert set(stops["stop_id"]) == expected
    assert not any(stops["stop_id"].str.startswith(f"{op}:{op}:").any() for op in bay)
    assert stops.set_index("stop_id").loc["countyconnection:83883", "parent_station"] == "countyconnection:S1"
    assert stops.set_index("stop_id").loc["bart:MLBR", "mode"] == "metro"


def test_bay_area_route_ids_11_and_19_of_bart_and_county_connection_collide(bay_pool) -> None:
    _, _, findings = bay_pool
    found = of(findings, ID_COLLISION)
    contexts = {(c["kind"], c["operator_a"], c["operator_b"]): c for c in found["context"]}
    assert set(contexts) == {("route", "bart", "countyconnection")}
    assert contexts[("route", "bart", "countyconnection")]["sample_ids"] == ["11", "19"]
    assert found.iloc[0]["file"] == "routes.txt"


def test_bay_area_calendar_gaps_at_the_shared_hubs(bay_pool) -> None:
    _, _, findings = bay_pool
    found = of(findings, CALENDAR_GAP)
    got = {(c["operator_missing"], c["first_date"], c["last_date"], c["gap_kind"]) for c in found["context"]}
    assert got == {
        ("bart", "2017-10-02", "2018-05-25", "before_start"),  # Caltrain alone at Millbrae
        ("bart", "2019-07-02", "2019-10-06", "after_end"),
        ("countyconnection", "2018-05-26", "2018-08-11", "before_start"),
        ("countyconnection", "2018-09-03", "2018-09-03", "interruption"),  # Labor Day: no County Connection
        ("countyconnection", "2018-11-18", "2019-07-01", "after_end"),
    }
    millbrae = next(c for c in found["context"] if c["operator_b"] == "caltrain")
    assert millbrae["shared_hubs"] == 1 and millbrae["station_names"] == ["Millbrae"]


def test_bay_area_close_stops_are_all_linked(bay, bay_pool) -> None:
    stops, match, findings = bay_pool
    assert of(findings, UNLINKED_NEARBY_STOPS).empty and of(findings, DUPLICATE_TRIP).empty
    wide = pool_checks(bay, match, stops, PoolCheckSettings(near_stop_m=150))
    pairs = {(c["stop_id_a"], c["stop_id_b"]) for c in of(wide, UNLINKED_NEARBY_STOPS)["context"]}
    assert ("bart:NCON", "countyconnection:83781") in pairs  # 134 m, a different street stop
    assert not any("bart:MLBR" in pair for pair in pairs)  # Millbrae: 44 m, but one hub
    # without the hubs, Millbrae BART and Caltrain are flagged
    unmatched = match_stops(stops, max_distance_m=1)
    bare = of(pool_checks(bay, unmatched, stops, PoolCheckSettings(near_stop_m=50)), UNLINKED_NEARBY_STOPS)
    flagged = {(c["stop_id_a"], c["stop_id_b"]): c["distance_m"] for c in bare["context"]}
    assert flagged[("bart:MLBR", "caltrain:70061")] == pytest.approx(44, abs=2)


def test_caltrain_published_twice_is_caught_trip_by_trip(bay, feeds_dir: Path) -> None:
    twin = normalise_operator(operator("caltrain2"), [read_feed_tables(feeds_dir / "regional_bayarea" / BAY_AREA["caltrain"])],
                              region_timezone="America/Los_Angeles")
    feeds = {"caltrain": bay["caltrain"], "caltrain2": twin}
    stops = pool_stops(feeds)
    found = of(pool_checks(feeds, match_stops(stops), stops), DUPLICATE_TRIP)
    pairs = {(c["trip_id_a"], c["trip_id_b"]) for c in found["context"]}
    trips = set(bay["caltrain"].tables["trips"]["trip_id"])
    assert {(trip, trip.replace("caltrain:", "caltrain2:")) for trip in trips} <= pairs
    assert all(a.split(":")[1] == b.split(":")[1] for a, b in pairs)
