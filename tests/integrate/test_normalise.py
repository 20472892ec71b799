"""Normalisation of operator feeds: namespacing, reconciliation, regional filter, time zones,
route types, optional files; on tiny feeds written to tmp_path and on the real Bay Area feeds."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from regie.config.operators import Operator
from regie.gtfs.feed_tables import read_feed_tables
from regie.gtfs.spec import DEFINED_BY, ID_COLUMNS
from regie.integrate.normalise import NormalisedFeed, TimezoneError, normalise_operator, same_rules

BAYAREA = "regional_bayarea"


def operator(op_id: str, *feeds: dict) -> Operator:
    feeds = feeds or ({"id": "main"},)
    return Operator(id=op_id, name=op_id.title(), modes=["bus"], contact="data@example.org",
                    licence="CC-BY-4.0", openness="open", member_from="2020-01-01",
                    feeds=[{"kind": "gtfs", "url": f"file:///feeds/{op_id}-{f['id']}.zip", **f} for f in feeds])


def write_feed(folder: Path, tables: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.txt").write_text(text.strip() + "\n", encoding="utf-8")
    return folder


def tiny(zone: str = "Europe/Paris", **overrides: str) -> dict[str, str]:
    """Two routes (A1 inside the box around lat 43.3, B1 outside at lat 44), a station with a
    platform and an entrance, fares, transfers, shapes, frequencies, translations, levels,
    pathways, attributions, feed_info and a non-standard file."""
    tables = {
        "agency": f"agency_id,agency_name,agency_url,agency_timezone\n ag ,Bus Co ,https://bus.example,{zone}",
        "routes": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
                  "A1,ag,11,Alpha,3\n11,ag,11,Eleven,715\nB1,ag,B,Beta,3",
        "stops": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,zone_id,level_id\n"
                 "760 , Gare ,43.30,-1.90,0,ST,z1,L0\nST,Gare station,43.30,-1.90,1,,,\n"
                 "EN,Gare entrance,43.301,-1.901,2,ST,,L0\nS2,Plage,43.31,-1.91,0,,z1,\n"
                 "S3,Far,44.00,-1.00,0,,z2,\nS4,Far 2,44.10,-1.10,0,,z2,\nORPH,Unused far,45.0,-1.0,0,,z3,",
        "trips": "route_id,service_id,trip_id,shape_id,block_id\nA1,wk,t1,sh1,b1\n11,wk,t2,sh1,b1\nB1,we,t3,sh2,",
        "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                      "t1,7:05:00,7:05:00,760,1\nt1,07:15:00,07:15:00,S2,2\n"
                      "t2,24:10:00,24:10:00,S2,1\nt2,24:20:00,24:20:00,760,2\n"
                      "t3,08:00:00,08:00:00,S3,1\nt3,08:30:00,08:30:00,S4,2",
        "calendar": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                    "wk,1,1,1,1,1,0,0,20250602,20250627\nwe,0,0,0,0,0,1,1,20250602,20250627",
        "calendar_dates": "service_id,date,exception_type\nwk,20250609,2\nwe,20250610,1",
        "shapes": "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\nsh1,43.3,-1.9,1\nsh1,43.31,-1.91,2\n"
                  "sh2,44.0,-1.0,1\nsh2,44.1,-1.1,2",
        "frequencies": "trip_id,start_time,end_time,headway_secs\nt1,06:00:00,09:00:00,600\nt3,08:00:00,10:00:00,1200",
        "transfers": "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n760,S2,2,120\nS3,S4,2,60",
        "fare_attributes": "fare_id,price,currency_type,payment_method,transfers,agency_id\n"
                           "f1,1.5,EUR,0,0,ag\nf2,3,EUR,0,0,ag\nfall,10,EUR,0,,ag",
        "fare_rules": "fare_id,route_id,origin_id\nf1,A1,z1\nf2,B1,z2",
        "levels": "level_id,level_index\nL0,0\nL9,-1",
        "pathways": "pathway_id,from_stop_id,to_stop_id,pathway_mode,is_bidirectional\np1,EN,760,1,1",
        "translations": "table_name,field_name,language,translation,record_id\n"
                        "stops,stop_name,eu,Geltokia,760\nstops,stop_name,eu,Urruti,S3\nroutes,route_long_name,eu,Alfa,A1",
        "attributions": "attribution_id,route_id,organization_name,is_operator\nat1,A1,Bus Co,1\nat2,B1,Bus Co,1",
        "feed_info": "feed_publisher_name,feed_publisher_url,feed_lang\nBus Co,https://bus.example,fr",
        "vehicles": "vehicle_id,seats\nv1,40",
    }
    tables.update(overrides)
    return tables


def normalise(tmp_path: Path, op_id: str = "bus", region_timezone: str = "Europe/Paris",
              feed: dict | None = None, **tables: str) -> NormalisedFeed:
    spec = {"id": "main", **(feed or {})}
    folder = write_feed(tmp_path / op_id, tiny(**tables))
    return normalise_operator(operator(op_id, spec), [read_feed_tables(folder)], region_timezone=region_timezone)


def assert_references_resolve(result: NormalisedFeed) -> None:
    """Every reference of ID_COLUMNS resolves to an id defined in the normalised tables."""
    tables = result.tables
    defined = {kind: set(tables[t][c]) for kind, (t, c) in DEFINED_BY.items() if t in tables and c in tables[t]}
    defined["service"] = set().union(*(set(tables[t]["service_id"]) for t in ("calendar", "calendar_dates") if t in tables))
    defined["stop"] = set(tables["stops"]["stop_id"]) if "stops" in tables else set()
    for table, col, kind in ID_COLUMNS:
        if table not in tables or col not in tables[table] or kind in ("block", "zone", "leg_group", "timeframe", "network"):
            continue
        values = set(tables[table][col]) - {""}
        assert all(v.startswith(f"{result.operator_id}:") for v in values), (table, col)
        if kind in defined and (table, col) != DEFINED_BY.get(kind):
            missing = values - defined[kind]
            assert not missing, f"{table}.{col} -> {kind}: {sorted(missing)[:5]}"


def assert_reconciles(result: NormalisedFeed) -> None:
    rec = result.reconciliation
    assert list(rec.columns) == ["table", "rows_in", "rows_out", "rows_dropped", "rows_added", "reason"]
    for table, group in rec.groupby("table"):
        assert group["rows_in"].nunique() == 1 and group["rows_out"].nunique() == 1
        rows_in, rows_out = group["rows_in"].iloc[0], group["rows_out"].iloc[0]
        assert rows_in + group["rows_added"].sum() - rows_out == group["rows_dropped"].sum(), table
        assert group["rows_out"].iloc[0] == len(result.tables.get(table, [])), table
    assert not rec.duplicated(["table", "reason"]).any()


def dropped(result: NormalisedFeed, table: str, reason: str) -> int:
    rec = result.reconciliation
    return int(rec.loc[(rec["table"] == table) & (rec["reason"] == reason), "rows_dropped"].sum())


# ---------------------------------------------------------------- namespacing, text, route types

def test_every_id_and_reference_is_namespaced_and_resolves(tmp_path: Path) -> None:
    result = normalise(tmp_path)
    assert_references_resolve(result)
    assert_reconciles(result)
    tables = result.tables
    assert set(tables["stops"]["stop_id"]) >= {"bus:760", "bus:ST", "bus:EN"}
    assert tables["stops"].set_index("stop_id").loc["bus:760", "parent_station"] == "bus:ST"
    assert set(tables["stops"]["zone_id"]) - {""} == {"bus:z1", "bus:z2", "bus:z3"}
    assert set(tables["fare_rules"]["origin_id"]) == {"bus:z1", "bus:z2"}
    assert set(tables["translations"]["record_id"]) == {"bus:760", "bus:S3", "bus:A1"}
    assert set(tables["pathways"]["pathway_id"]) == {"bus:p1"}
    assert set(tables["trips"]["block_id"]) == {"bus:b1", ""}
    assert "_row" not in tables["stops"].columns
    # trimmed ids and names; agency_name trimmed; the standard optional files are carried
    assert tables["agency"]["agency_id"].tolist() == ["bus:ag"] and tables["agency"]["agency_name"].tolist() == ["Bus Co"]
    assert "Gare" in set(tables["stops"]["stop_name"])
    assert {"levels", "pathways", "translations", "attributions", "feed_info", "fare_rules"} <= set(tables)
    # non-standard file kept aside and listed, not in the tables
    assert "vehicles" not in tables and list(result.extra_files) == ["vehicles"]
    assert any("vehicles" in note for note in result.notes)


def test_two_operators_with_route_11_and_stop_760_never_collide(tmp_path: Path) -> None:
    first = normalise(tmp_path, "alpha")
    second = normalise(tmp_path, "beta")
    routes = pd.concat([first.tables["routes"], second.tables["routes"]])
    stops = pd.concat([first.tables["stops"], second.tables["stops"]])
    assert routes["route_id"].is_unique and stops["stop_id"].is_unique
    assert {"alpha:11", "beta:11"} <= set(routes["route_id"]) and {"alpha:760", "beta:760"} <= set(stops["stop_id"])
    stop_times = pd.concat([first.tables["stop_times"], second.tables["stop_times"]])
    joined = stop_times.merge(stops, on="stop_id", how="left", validate="many_to_one")
    assert len(joined) == len(stop_times) and joined["stop_name"].notna().all()
    assert (joined["trip_id"].str.split(":").str[0] == joined["stop_id"].str.split(":").str[0]).all()


def test_times_are_padded_and_past_midnight_kept(tmp_path: Path) -> None:
    times = normalise(tmp_path).tables["stop_times"].set_index(["trip_id", "stop_sequence"])["arrival_time"]
    assert times[("bus:t1", "1")] == "07:05:00" and times[("bus:t2", "1")] == "24:10:00"


def test_extended_route_types_are_mapped_with_the_original_kept(tmp_path: Path) -> None:
    routes = normalise(tmp_path, routes="route_id,agency_id,route_short_name,route_type\n"
                       "A1,ag,A,3\n11,ag,11,715\nB1,ag,B,109\nM,ag,M,405\nT,ag,T,800\nF,ag,F,1200\nC,ag,C,1701\nX,ag,X,900"
                       ).tables["routes"].set_index("route_id")
    assert routes["route_type"].to_dict() == {"bus:A1": "3", "bus:11": "3", "bus:B1": "2", "bus:M": "12",
                                              "bus:T": "11", "bus:F": "4", "bus:C": "5", "bus:X": "0"}
    assert routes.loc["bus:11", "route_type_original"] == "715" and routes.loc["bus:A1", "route_type_original"] == ""


def test_junk_members_are_listed_in_notes(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in tiny().items():
            archive.writestr(f"{name}.txt", text.strip() + "\n")
        archive.writestr("__MACOSX/._stops.txt", "junk")
        archive.writestr("._routes.txt", "junk")
    result = normalise_operator(operator("bus"), [read_feed_tables(path)], region_timezone="Europe/Paris")
    junk_note = next(note for note in result.notes if "junk" in note)
    assert "__MACOSX/._stops.txt" in junk_note and "._routes.txt" in junk_note
    assert_reconciles(result)


# ---------------------------------------------------------------- regional filter

def test_bbox_filter_keeps_trips_with_a_stop_inside_and_prunes_dependents(tmp_path: Path) -> None:
    box = {"min_lon": -2.0, "min_lat": 43.0, "max_lon": -1.5, "max_lat": 43.5}
    result = normalise(tmp_path, feed={"filter": {"bbox": box}})
    tables = result.tables
    assert_reconciles(result)
    assert_references_resolve(result)
    assert set(tables["trips"]["trip_id"]) == {"bus:t1", "bus:t2"}
    assert set(tables["routes"]["route_id"]) == {"bus:A1", "bus:11"}
    # the station and its entrance stay with their platform; far and orphan stops go
    assert set(tables["stops"]["stop_id"]) == {"bus:760", "bus:ST", "bus:EN", "bus:S2"}
    assert set(tables["shapes"]["shape_id"]) == {"bus:sh1"}
    assert set(tables["calendar"]["service_id"]) == {"bus:wk"} and set(tables["calendar_dates"]["service_id"]) == {"bus:wk"}
    assert set(tables["frequencies"]["trip_id"]) == {"bus:t1"} and len(tables["transfers"]) == 1
    assert set(tables["fare_attributes"]["fare_id"]) == {"bus:f1", "bus:fall"}  # fall has no rule: network-wide
    assert set(tables["levels"]["level_id"]) == {"bus:L0"}
    assert set(tables["translations"]["record_id"]) == {"bus:760", "bus:A1"}
    assert set(tables["attributions"]["attribution_id"]) == {"bus:at1"}
    assert dropped(result, "trips", "regional_filter") == 1
    assert dropped(result, "routes", "unreferenced_after_filter") == 1
    assert dropped(result, "stop_times", "unreferenced_after_filter") == 2
    assert dropped(result, "stops", "unreferenced_after_filter") == 3


def test_route_prefix_filter_prunes_consistently(tmp_path: Path) -> None:
    result = normalise(tmp_path, feed={"filter": {"route_id_prefixes": ["A"], "route_ids": ["11"]}})
    assert set(result.tables["routes"]["route_id"]) == {"bus:A1", "bus:11"}
    assert dropped(result, "routes", "regional_filter") == 1
    assert dropped(result, "trips", "unreferenced_after_filter") == 1
    assert_reconciles(result)
    assert_references_resolve(result)


def test_agency_filter_drops_everything_of_other_agencies(tmp_path: Path) -> None:
    result = normalise(tmp_path, feed={"filter": {"agency_ids": ["other"]}})
    assert_reconciles(result)
    assert len(result.tables["trips"]) == 0 and len(result.tables["stops"]) == 0
    assert dropped(result, "routes", "regional_filter") == 3 and dropped(result, "agency", "regional_filter") == 1


# ---------------------------------------------------------------- time zones

def test_same_rules_zones() -> None:
    assert same_rules("Europe/Madrid", "Europe/Paris")
    assert not same_rules("Europe/London", "Europe/Paris")
    assert not same_rules("America/New_York", "Europe/Paris")


def test_madrid_feed_in_paris_region_is_rewritten_without_shift(tmp_path: Path) -> None:
    result = normalise(tmp_path, zone="Europe/Madrid")
    assert result.tables["agency"]["agency_timezone"].tolist() == ["Europe/Paris"]
    assert "07:05:00" in set(result.tables["stop_times"]["arrival_time"])
    assert any("Europe/Madrid rewritten to Europe/Paris" in note for note in result.notes)


def test_london_feed_in_paris_region_is_shifted_one_hour(tmp_path: Path) -> None:
    result = normalise(tmp_path, zone="Europe/London")
    stop_times = result.tables["stop_times"].set_index(["trip_id", "stop_sequence"])
    assert stop_times.loc[("bus:t1", "1"), "arrival_time"] == "08:05:00"
    assert stop_times.loc[("bus:t2", "1"), "departure_time"] == "25:10:00"
    assert result.tables["frequencies"]["start_time"].tolist() == ["07:00:00", "09:00:00"]
    assert result.tables["agency"]["agency_timezone"].tolist() == ["Europe/Paris"]
    assert any("shifted from Europe/London to Europe/Paris by +3600 s" in note for note in result.notes)


def test_calendar_dates_only_feed_is_shifted(tmp_path: Path) -> None:
    tables = tiny("Europe/London")
    tables.pop("calendar")
    tables["calendar_dates"] = "service_id,date,exception_type\nwk,20250602,1\nwk,20250603,1\nwe,20250607,1"
    result = normalise_operator(operator("bus"), [read_feed_tables(write_feed(tmp_path / "f", tables))],
                                region_timezone="Europe/Paris")
    assert "calendar" not in result.tables and len(result.tables["calendar_dates"]) == 3
    assert "08:05:00" in set(result.tables["stop_times"]["arrival_time"])
    assert_references_resolve(result)


def test_service_spanning_different_daylight_saving_dates_is_split(tmp_path: Path) -> None:
    # New York and Paris change to summer time on different Sundays of March 2025 (9th and 30th):
    # Paris is 6 h ahead, except from 10 to 28 March, when it is 5 h ahead
    calendar = ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                "wk,1,1,1,1,1,0,0,20250301,20250430\nwe,0,0,0,0,0,1,1,20250601,20250630")
    result = normalise(tmp_path, zone="America/New_York", calendar=calendar)
    assert_reconciles(result)
    assert_references_resolve(result)
    trips = result.tables["trips"].set_index("trip_id")
    assert trips.loc["bus:t1", "service_id"] == "bus:wk@tz1" and trips.loc["bus:t1@tz2", "service_id"] == "bus:wk@tz2"
    assert trips.loc["bus:t3", "service_id"] == "bus:we"  # constant offset in June: untouched
    times = result.tables["stop_times"].set_index(["trip_id", "stop_sequence"])["arrival_time"]
    assert times[("bus:t1", "1")] == "13:05:00" and times[("bus:t1@tz2", "1")] == "12:05:00"
    dates = result.tables["calendar_dates"]
    summer_gap = dates.loc[dates["service_id"] == "bus:wk@tz2", "date"].tolist()
    assert summer_gap == [d.strftime("%Y%m%d") for d in pd.bdate_range("2025-03-10", "2025-03-28")]
    first = set(dates.loc[dates["service_id"] == "bus:wk@tz1", "date"])
    assert "20250303" in first and "20250430" in first and "20250310" not in first
    assert "bus:wk" not in set(result.tables["calendar"]["service_id"])
    rec = result.reconciliation.set_index(["table", "reason"])
    assert rec.loc[("trips", "trip copied for another time-zone offset of its service"), "rows_added"] == 2
    assert any("2 trips copied" in note and "daylight-saving" in note for note in result.notes)


def test_refuse_policy_raises_for_other_rules(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "f", tiny("Europe/London"))
    with pytest.raises(TimezoneError, match="Europe/London.*Europe/Paris.*'refuse'"):
        normalise_operator(operator("bus"), [read_feed_tables(folder)], region_timezone="Europe/Paris",
                           timezone_policy="refuse")


def test_trip_shifted_before_midnight_moves_to_the_previous_service_day(tmp_path: Path) -> None:
    stop_times = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nt1,00:30:00,00:30:00,760,1"
    result = normalise(tmp_path, zone="Europe/Paris", stop_times=stop_times, region_timezone="Europe/London")
    assert_reconciles(result)
    assert_references_resolve(result)
    assert result.tables["stop_times"]["arrival_time"].tolist() == ["23:30:00"]
    trips = result.tables["trips"].set_index("trip_id")
    moved = trips.loc["bus:t1", "service_id"]
    dates = result.tables["calendar_dates"]
    days = sorted(dates.loc[dates["service_id"] == moved, "date"])
    # wk ran Monday-Friday 2-27 June 2025 except 9 June: now the evening before each of those days
    assert days[0] == "20250601" and "20250608" not in days and days[-1] == "20250626"
    assert trips.loc["bus:t2", "service_id"] != moved  # t2 has no times: stays on its days


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"])
def test_encodings_are_converted_to_utf8(tmp_path: Path, encoding: str) -> None:
    from regie.integrate.outputs import write_normalised

    name = "Hendaye – Côte Basque" if encoding != "latin-1" else "Hendaye · Côte Basque"  # no dash in Latin-1
    tables = tiny()
    folder = write_feed(tmp_path / "f", tables)
    stops = tables["stops"].replace(" Gare ", name)
    (folder / "stops.txt").write_bytes((stops.strip() + "\n").encode(encoding))
    result = normalise_operator(operator("bus"), [read_feed_tables(folder)], region_timezone="Europe/Paris")
    assert result.tables["stops"].set_index("stop_id").loc["bus:760", "stop_name"] == name.strip()
    assert any("converted to UTF-8" in note and "stops.txt" in note for note in result.notes) or encoding == "utf-8"
    write_normalised(result, tmp_path / "out")
    with zipfile.ZipFile(tmp_path / "out" / "feed.zip") as archive:
        data = archive.read("stops.txt")
    assert not data.startswith(b"\xef\xbb\xbf") and name.encode("utf-8") in data


def test_cp1252_file_with_ragged_rows_is_read(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "f", tiny())
    stops = tiny()["stops"].replace(" Gare ", "Côte").replace("S2,Plage,43.31,-1.91,0,,z1,", "S2,Plage,43.31,-1.91,0,,z1")
    (folder / "stops.txt").write_bytes((stops.strip() + "\n").encode("cp1252"))
    feed = read_feed_tables(folder)
    assert feed.tables["stops"].set_index("stop_id").loc["760 ", "stop_name"] == "Côte"
    assert {p.kind for p in feed.problems if p.file == "stops.txt"} == {"encoding", "ragged_rows"}


# ---------------------------------------------------------------- several feeds of one operator

def test_several_feeds_merge_with_colliding_ids_prefixed_by_feed(tmp_path: Path) -> None:
    one = read_feed_tables(write_feed(tmp_path / "one", tiny()))
    two = read_feed_tables(write_feed(tmp_path / "two", tiny()))
    result = normalise_operator(operator("bus", {"id": "north"}, {"id": "south"}), [one, two],
                                region_timezone="Europe/Paris")
    assert_reconciles(result)
    assert_references_resolve(result)
    stops = result.tables["stops"]
    assert stops["stop_id"].is_unique and {"bus:north:760", "bus:south:760"} <= set(stops["stop_id"])
    assert result.reconciliation.set_index("table").loc["trips", "rows_in"] == 6
    assert sorted(result.extra_files) == ["south/vehicles", "vehicles"]


# ---------------------------------------------------------------- real Bay Area feeds

@pytest.fixture(scope="module")
def bayarea(feeds_dir: Path) -> dict[str, object]:
    return {path.stem.split("_")[0]: read_feed_tables(path) for path in sorted((feeds_dir / BAYAREA).glob("*.zip"))}


def test_bayarea_feeds_normalise_with_every_reference_resolved(bayarea: dict) -> None:
    assert set(bayarea) == {"bart", "caltrain", "countyconnection"}
    results = [normalise_operator(operator(op_id), [feed], region_timezone="America/Los_Angeles")
               for op_id, feed in bayarea.items()]
    for result in results:
        assert_references_resolve(result)
        assert_reconciles(result)
        assert (result.reconciliation["rows_dropped"] == 0).all()
    stops = pd.concat([r.tables["stops"] for r in results])
    assert stops["stop_id"].is_unique
    caltrain = results[1]
    assert {"directions", "stop_attributes"} <= set(caltrain.extra_files)
    county = results[2]
    assert county.tables["routes"]["agency_id"].eq(county.tables["agency"]["agency_id"].iloc[0]).all()
    assert not county.tables["stop_times"]["arrival_time"].str.match(r"^\d:").any()


def test_bayarea_bbox_and_prefix_filters_prune_consistently(bayarea: dict) -> None:
    # Walnut Creek / Concord area only
    box = {"min_lon": -122.10, "min_lat": 37.88, "max_lon": -122.00, "max_lat": 37.99}
    result = normalise_operator(operator("cccta", {"id": "main", "filter": {"bbox": box}}),
                                [bayarea["countyconnection"]], region_timezone="America/Los_Angeles")
    assert_reconciles(result)
    assert_references_resolve(result)
    tables = result.tables
    assert 0 < len(tables["trips"]) < len(bayarea["countyconnection"].tables["trips"])
    used = set(tables["stop_times"]["stop_id"])
    parents = set(tables["stops"].loc[tables["stops"]["stop_id"].isin(used), "parent_station"]) - {""}
    assert set(tables["stops"]["stop_id"]) == used | parents  # used stops and their stations only
    assert parents  # this feed has stations (S1...)
    assert set(tables["shapes"]["shape_id"]) == set(tables["trips"]["shape_id"]) - {""}
    assert dropped(result, "trips", "regional_filter") > 0 and dropped(result, "stops", "unreferenced_after_filter") > 0

    result = normalise_operator(operator("caltrain", {"id": "main", "filter": {"route_id_prefixes": ["Lo-", "Li-"]}}),
                                [bayarea["caltrain"]], region_timezone="America/Los_Angeles")
    assert_reconciles(result)
    assert_references_resolve(result)
    assert set(result.tables["routes"]["route_id"]) <= {"caltrain:Lo-130", "caltrain:Li-130"}
    assert dropped(result, "routes", "regional_filter") >= 2
