"""Script URLs (item 4): reported by the own rule and emptied in the regional feeds, with the change
in the reconciliation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from quality.rules import url_schemes
from quality.rules.context import RuleContext
from quality.rules.registry import OWN_CODES, rule_families
from regie.config.operators import Operator
from regie.gtfs.feed_tables import read_feed_tables
from regie.integrate.normalise import normalise_operator

TABLES = {
    "agency": "agency_id,agency_name,agency_url,agency_timezone,agency_fare_url\n"
              "ag,Bus Co,\"  JavaScript:alert(document.cookie)\",Europe/Paris,ftp://fares.example/fares.pdf\n"
              "ok,Fine Co,https://fine.example,Europe/Paris,",
    "routes": "route_id,agency_id,route_short_name,route_type,route_url\n"
              "r1,ag,1,3,data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\nr2,ok,2,3,https://fine.example/2",
    "stops": "stop_id,stop_name,stop_lat,stop_lon,stop_url\ns1,Gare,43.3,-1.9,java\tscript:alert(1)\n"
             "s2,Plage,43.31,-1.91,http://fine.example/s2",
    "trips": "route_id,service_id,trip_id\nr1,wk,t1\nr2,wk,t2",
    "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                  "t1,07:00:00,07:00:00,s1,1\nt1,07:10:00,07:10:00,s2,2\nt2,08:00:00,08:00:00,s2,1\nt2,08:10:00,08:10:00,s1,2",
    "calendar": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                "wk,1,1,1,1,1,0,0,20260101,20261231",
    "feed_info": "feed_publisher_name,feed_publisher_url,feed_lang\nBus Co,vbscript:msgbox(1),fr",
}


def _feed(tmp_path: Path):
    folder = tmp_path / "feed"
    folder.mkdir()
    for name, text in TABLES.items():
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    return read_feed_tables(folder)


def test_script_urls_are_errors_and_other_schemes_warnings(tmp_path: Path) -> None:
    found = url_schemes.check(_feed(tmp_path), RuleContext(validation_date=date(2026, 3, 1)))
    by_field = {(row.file, row.field): (row.code, row.severity) for row in found.itertuples()}
    assert by_field == {
        ("agency.txt", "agency_url"): ("script_url", "ERROR"),
        ("agency.txt", "agency_fare_url"): ("url_scheme_not_http", "WARNING"),
        ("routes.txt", "route_url"): ("script_url", "ERROR"),
        ("stops.txt", "stop_url"): ("script_url", "ERROR"),
        ("feed_info.txt", "feed_publisher_url"): ("script_url", "ERROR"),
    }
    assert set(found["row"]) == {2}
    assert {"script_url", "url_scheme_not_http"} <= set(OWN_CODES) and "url_schemes" in rule_families()


def test_the_regional_feeds_leave_such_urls_empty_and_say_so(tmp_path: Path) -> None:
    operator = Operator(id="bus", name="Bus", modes=["bus"], contact="data@bus.example", licence="CC0-1.0",
                        openness="open", member_from="2024-01-01", website="https://bus.example/",
                        feeds=[{"id": "main", "kind": "gtfs", "url": "https://feeds.example/bus.zip"}])
    normalised = normalise_operator(operator, [_feed(tmp_path)], region_timezone="Europe/Paris")
    tables = normalised.tables
    assert list(tables["agency"]["agency_url"]) == ["https://bus.example/", "https://fine.example"]
    assert list(tables["agency"]["agency_fare_url"]) == ["", ""]
    assert list(tables["routes"]["route_url"]) == ["", "https://fine.example/2"]
    assert list(tables["stops"]["stop_url"]) == ["", "http://fine.example/s2"]
    assert list(tables["feed_info"]["feed_publisher_url"]) == [""]
    reasons = set(normalised.reconciliation["reason"])
    assert ("agency_url replaced by the operator's website https://bus.example/: script URL (javascript:, vbscript:, "
            "data:) (1 rows)") in reasons
    assert "agency_fare_url emptied: URL scheme other than http(s) (1 rows)" in reasons
    assert any(reason.startswith("feed_publisher_url emptied") for reason in reasons)
    changed = normalised.reconciliation[normalised.reconciliation["reason"].str.contains("emptied")]
    assert (changed["rows_dropped"] == 0).all() and (changed["rows_added"] == 0).all()
