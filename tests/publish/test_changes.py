"""Content diff of feeds and release notes (`regie.publish.changes`, `regie.publish.release_notes`):
hand-built pairs of feeds for every case (renumbered ids are not changes, a renamed stop at the
same place is one), service days gained and lost, per-operator notes and their escaping."""

from __future__ import annotations

import json
from datetime import date, timedelta

import markdown_it
import pytest

from regie.gtfs.feed_tables import parse_csv
from regie.publish.changes import diff_feeds, feed_operators, operator_feed
from regie.publish.release_notes import escape, release_notes, render_markdown, render_text, write_release_notes

BASE = {
    "agency": "agency_id,agency_name,agency_url,agency_timezone\nop:A,Bus Co,https://bus.example,Europe/Paris\n",
    "stops": "stop_id,stop_name,stop_lat,stop_lon\nop:S1,Alpha,43.100000,-1.100000\nop:S2,Beta,43.200000,-1.200000\n"
             "op:S3,Gamma,43.300000,-1.300000\n",
    "routes": "route_id,agency_id,route_short_name,route_long_name,route_type\nop:R1,op:A,1,Alpha - Gamma,3\n",
    "calendar": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                "op:WK,1,1,1,1,1,0,0,20260105,20260130\n",
    "trips": "route_id,service_id,trip_id,trip_headsign\nop:R1,op:WK,op:T1,Gamma\nop:R1,op:WK,op:T2,Gamma\n",
    "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                  "op:T1,08:00:00,08:00:00,op:S1,1\nop:T1,08:10:00,08:10:00,op:S2,2\nop:T1,08:20:00,08:20:00,op:S3,3\n"
                  "op:T2,09:00:00,09:00:00,op:S1,1\nop:T2,09:10:00,09:10:00,op:S2,2\nop:T2,09:20:00,09:20:00,op:S3,3\n",
}


def feed(changes: dict[str, list[tuple[str, str]]] | None = None, extra: dict[str, str] | None = None,
         base: dict[str, str] = BASE) -> dict:
    """BASE with text replacements per table (old, new), and rows or tables added."""
    texts = dict(base)
    for table, replacements in (changes or {}).items():
        for old, new in replacements:
            assert old in texts[table], (table, old)
            texts[table] = texts[table].replace(old, new)
    for table, text in (extra or {}).items():
        texts[table] = texts.get(table, "") + text
    return {name: parse_csv(text, f"{name}.txt")[0] for name, text in texts.items()}


def counts(entity) -> tuple[int, int, int]:
    return len(entity.added), len(entity.removed), len(entity.changed)


def test_the_same_feed_is_no_change():
    changes = diff_feeds(feed(), feed())
    assert changes.is_empty and changes.stops.unchanged == 3 and changes.trips.unchanged == 2
    assert not changes.first and not changes.days_gained and not changes.days_lost


def test_first_release_adds_everything():
    changes = diff_feeds(None, feed())
    assert changes.first and counts(changes.stops) == (3, 0, 0) and counts(changes.trips) == (2, 0, 0)
    assert len(changes.days_gained) == 20  # the weekdays of 5-30 January 2026
    # the shortcut (nothing to pair) lists what a diff against an empty feed lists, labels included
    against_empty = diff_feeds({}, feed())
    assert changes.to_dict()["stops"] == against_empty.to_dict()["stops"]
    assert changes.to_dict()["trips"] == against_empty.to_dict()["trips"]
    assert changes.to_dict()["routes"] == against_empty.to_dict()["routes"]
    assert changes.days_gained == against_empty.days_gained


def test_renumbered_ids_with_the_same_content_are_not_changes():
    renumbered = feed({"stops": [("op:S2,", "op:S22,")], "stop_times": [(",op:S2,", ",op:S22,")],
                       "routes": [("op:R1,", "op:R9,")], "trips": [("op:R1,", "op:R9,"), ("op:T1", "op:T7")],
                       })
    renumbered["stop_times"]["trip_id"] = renumbered["stop_times"]["trip_id"].str.replace("op:T1", "op:T7")
    changes = diff_feeds(feed(), renumbered)
    assert changes.is_empty
    assert (changes.stops.renumbered, changes.routes.renumbered, changes.trips.renumbered) == (1, 1, 1)


def test_a_renamed_stop_at_the_same_place_is_a_change_and_its_trips_are_not():
    changes = diff_feeds(feed(), feed({"stops": [("op:S2,Beta,", "op:S2b,Beta Plaza,")],
                                       "stop_times": [(",op:S2,", ",op:S2b,")]}))
    assert counts(changes.stops) == (0, 0, 1) and changes.trips.is_empty
    (item,) = changes.stops.changed
    assert (item["old_id"], item["id"], item["fields"]) == ("op:S2", "op:S2b", {"name": ["Beta", "Beta Plaza"]})


def test_a_moved_stop_with_its_id_is_a_change_and_a_new_stop_elsewhere_is_added():
    changes = diff_feeds(feed(), feed({"stops": [("43.300000,-1.300000", "43.310000,-1.300000")]},
                                      extra={"stops": "op:S4,Delta,43.400000,-1.400000\n"}))
    assert counts(changes.stops) == (1, 0, 1)
    assert changes.stops.added == [{"id": "op:S4", "label": "Delta"}]
    assert changes.stops.changed[0]["fields"] == {"lat": ["43.30000", "43.31000"]}
    assert changes.trips.is_empty  # the trips still call at the same (paired) stop at the same times


def test_a_removed_stop_and_the_trips_that_lose_it():
    smaller = feed({"stops": [("op:S3,Gamma,43.300000,-1.300000\n", "")],
                    "stop_times": [("op:T1,08:20:00,08:20:00,op:S3,3\n", ""), ("op:T2,09:20:00,09:20:00,op:S3,3\n", "")]})
    changes = diff_feeds(feed(), smaller)
    assert changes.stops.removed == [{"id": "op:S3", "label": "Gamma"}]
    assert counts(changes.trips) == (0, 0, 2)
    assert changes.trips.changed[0]["fields"]["stops"] == ["3 stops", "2 stops"]


def test_routes_renamed_by_id_or_matched_by_agency_type_and_short_name():
    renamed = diff_feeds(feed(), feed({"routes": [("Alpha - Gamma", "Alpha - Gamma express")]}))
    assert counts(renamed.routes) == (0, 0, 1) and renamed.trips.is_empty
    assert renamed.routes.changed[0]["fields"] == {"long_name": ["Alpha - Gamma", "Alpha - Gamma express"]}
    renumbered_and_renamed = diff_feeds(feed(), feed({"routes": [("op:R1,op:A,1,Alpha - Gamma", "op:L1,op:A,1,Gamma line")],
                                                      "trips": [("op:R1,", "op:L1,")]}))
    assert counts(renumbered_and_renamed.routes) == (0, 0, 1)
    assert renumbered_and_renamed.routes.changed[0]["old_id"] == "op:R1"
    assert renumbered_and_renamed.trips.is_empty
    other = diff_feeds(feed(), feed(extra={"routes": "op:R2,op:A,2,Beta - Gamma,0\n"}))
    assert other.routes.added == [{"id": "op:R2", "label": "2 Beta - Gamma"}]


def test_trips_retimed_added_removed_and_on_other_days():
    retimed = diff_feeds(feed(), feed({"stop_times": [("op:T2,09:10:00,09:10:00", "op:T2,09:12:00,09:12:00")]}))
    assert counts(retimed.trips) == (0, 0, 1)
    assert set(retimed.trips.changed[0]["fields"]) == {"times"}
    more = diff_feeds(feed(), feed(extra={"trips": "op:R1,op:WK,op:T3,Gamma\n",
                                          "stop_times": "op:T3,10:00:00,10:00:00,op:S1,1\nop:T3,10:10:00,10:10:00,op:S2,2\n"}))
    assert counts(more.trips) == (1, 0, 0) and more.trips.added[0]["id"] == "op:T3"
    fewer = diff_feeds(feed(), feed({"trips": [("op:R1,op:WK,op:T2,Gamma\n", "")]}))
    assert counts(fewer.trips) == (0, 1, 0)
    weekend = feed({"trips": [("op:R1,op:WK,op:T2", "op:R1,op:WE,op:T2")]},
                   extra={"calendar": "op:WE,0,0,0,0,0,1,1,20260105,20260130\n"})
    moved = diff_feeds(feed(), weekend)
    assert counts(moved.trips) == (0, 0, 1) and set(moved.trips.changed[0]["fields"]) == {"service_days"}
    assert moved.trips.changed[0]["fields"]["service_days"] == ["20 days", "6 days"]
    assert len(moved.days_gained) == 6 and not moved.days_lost  # the weekends gain service, weekdays keep T1


def test_service_days_gained_and_lost():
    longer = diff_feeds(feed(), feed({"calendar": [("20260130", "20260206")]}))
    assert longer.days_gained == [date(2026, 2, 2) + timedelta(days=k) for k in range(5)] and not longer.days_lost
    holiday = diff_feeds(feed(), feed(extra={"calendar_dates": "service_id,date,exception_type\nop:WK,20260106,2\n"}))
    assert holiday.days_lost == [date(2026, 1, 6)] and not holiday.days_gained
    assert counts(holiday.trips) == (0, 0, 2)  # both trips lose the day


def two_operators(second_name: str = "Ferry Co") -> dict:
    ferry = {"agency": f"op2:F,{second_name},https://ferry.example,Europe/Paris\n",
             "stops": "op2:Q1,Quay,43.500000,-1.500000\nop2:Q2,Island,43.600000,-1.600000\n",
             "routes": "op2:F1,op2:F,F,Quay - Island,4\n",
             "calendar": "op2:D,1,1,1,1,1,1,1,20260105,20260130\n",
             "trips": "op2:F1,op2:D,op2:X1,Island\n",
             "stop_times": "op2:X1,12:00:00,12:00:00,op2:Q1,1\nop2:X1,12:30:00,12:30:00,op2:Q2,2\n"}
    return feed(extra=ferry)


def test_operator_split_and_release_notes(tmp_path):
    old = two_operators()
    new = two_operators()
    new["stops"].loc[new["stops"]["stop_id"] == "op2:Q2", "stop_name"] = "Island <script>alert(1)</script> [x](javascript:y)"
    assert feed_operators(new) == {"op", "op2"}
    assert set(operator_feed(new, "op2")["stops"]["stop_id"]) == {"op2:Q1", "op2:Q2"}
    notes = release_notes(old, new, release="r2", previous="r1", operator_names={"op": "Bus Co", "op2": "Ferry Co"})
    assert counts(notes.region.stops) == (0, 0, 1)
    assert notes.operators["op"].is_empty and counts(notes.operators["op2"].stops) == (0, 0, 1)
    written = write_release_notes(notes, tmp_path)
    assert [p.name for p in written] == ["release-notes.json", "release-notes.md"]
    data = json.loads(written[0].read_text())
    assert data["previous_release"] == "r1" and data["operators"]["op2"]["name"] == "Ferry Co"
    assert data["operators"]["op2"]["stops"]["changed"][0]["fields"]["name"][1].startswith("Island <script>")
    markdown = written[1].read_text()
    assert "## Bus Co (op)\n\nNo change." in markdown
    assert "<script>" not in markdown and "\\<script\\>" in markdown and "\\[x\\](javascript:y)" in markdown
    html = markdown_it.MarkdownIt().render(markdown)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<a " not in html
    assert "Island <script>alert(1)</script> [x](javascript:y)" in render_text(notes)
    assert "- Stops: 0 added, 0 removed, 1 changed" in markdown


def test_first_release_notes_and_an_operator_leaving():
    first = render_markdown(release_notes(None, two_operators(), release="r1", previous=None))
    assert "(first release)" in first and "First release: 5 stops, 2 routes, 3 trips." in first
    notes = release_notes(two_operators(), feed(), release="r2", previous="r1")
    assert counts(notes.operators["op2"].stops) == (0, 2, 0) and counts(notes.operators["op2"].trips) == (0, 1, 0)
    assert notes.operators["op"].is_empty


@pytest.mark.parametrize("text, expected", [("a_b*c", "a\\_b\\*c"), ("x <b> & y", "x \\<b\\> \\& y"),
                                            ("two\nlines", "two lines")])
def test_escape(text, expected):
    assert escape(text) == expected
