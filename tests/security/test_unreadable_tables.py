"""A table that cannot be read is one clear finding and nothing is derived from it (item 13); a
UTF-16 file without a byte-order mark is named as such (item 14)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from quality.rules import canonical_fallback
from quality.rules.context import RuleContext
from quality.validate import reader_notices
from regie.gtfs.feed_tables import MAX_ROW_BYTES, read_feed_tables

TRIPS = "route_id,service_id,trip_id\nr1,wk,t1\n"
STOP_TIMES = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
    f"t1,07:{minute:02d}:00,07:{minute:02d}:00,s1,{minute}\n" for minute in range(1, 40))


def _folder(tmp_path: Path, stops: bytes, **others: bytes) -> Path:
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "stops.txt").write_bytes(stops)
    (folder / "trips.txt").write_text(TRIPS)
    (folder / "stop_times.txt").write_text(STOP_TIMES)
    for name, data in others.items():
        (folder / f"{name}.txt").write_bytes(data)
    return folder


def test_a_line_too_long_to_be_a_row_is_one_finding_and_no_false_references(tmp_path: Path) -> None:
    stops = b'stop_id,stop_name,stop_desc\ns1,"Gare",ok\ns2,Plage,' + b"x" * (MAX_ROW_BYTES + 10) + b"\n"
    feed = read_feed_tables(_folder(tmp_path, stops))
    [problem] = feed.problems
    assert (problem.file, problem.kind, problem.rows) == ("stops.txt", "unreadable", [3])
    assert "line 3 is 16,777,235 bytes long" in problem.detail and "straddl" not in problem.detail
    [finding] = reader_notices(feed).itertuples()
    assert (finding.code, finding.severity, finding.file, finding.row) == ("file_unreadable", "ERROR", "stops.txt", 3)
    derived = canonical_fallback.check(feed, RuleContext(validation_date=date(2026, 3, 1)))
    assert "reference_not_found" not in set(derived["code"])


def test_a_long_line_that_is_still_a_row_is_read(tmp_path: Path) -> None:
    stops = b'stop_id,stop_name,stop_desc\ns1,"Gare",' + b"x" * (3 << 20) + b"\ns2,Plage,ok\n"
    feed = read_feed_tables(_folder(tmp_path, stops))
    assert feed.problems == [] and list(feed.tables["stops"]["stop_id"]) == ["s1", "s2"]


def test_utf16_without_a_byte_order_mark_is_named(tmp_path: Path) -> None:
    agency = "agency_id,agency_name,agency_url,agency_timezone\na,Bus,https://bus.example,Europe/Paris\n"
    stops = b"stop_id,stop_name,stop_lat,stop_lon\ns1,Gare,43.3,-1.9\n"
    feed = read_feed_tables(_folder(tmp_path, stops, agency=agency.encode("utf-16-le")))
    assert list(feed.tables["agency"]["agency_name"]) == ["Bus"]
    [finding] = reader_notices(feed).itertuples()
    assert finding.code == "file_not_utf8" and finding.file == "agency.txt"
    assert "UTF-16 little-endian without a byte-order mark" in finding.message
