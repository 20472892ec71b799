"""Every transitland validator case (../shared/data/feeds/errors/transitland_validator_layers):
the union of canonical (gtfs-guru, in-process) and own findings reports each expected error, in
substance: a code that TRANSITLAND_TO_CODES accepts for it, in the expected file, on the expected
record or naming its id.

Fixture lines are physical lines of the file (blank lines count); our `_row` and gtfs-guru's
csvRowNumber count records, so expected lines are translated to record numbers first.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from quality.canonical import canonical_notices
from quality.config import RuleThresholds
from quality.notices import concat_notices
from quality.rules.context import RuleContext
from quality.rules.registry import OWN_CODES, run_own_rules
from quality.rules.transitland_mapping import TRANSITLAND_TO_CODES
from regie.gtfs.feed_tables import read_feed_tables
from regie.store.paths import shared_feeds_dir

CASES = Path("errors") / "transitland_validator_layers"
VALIDATION_DATE = date(2026, 11, 25)

XFAIL = {
    "best-practices/stop-time-fast-travel": (
        "transitland counts two stops 740 m apart at the same whole minute (metro) as infinite speed; "
        "canonical ignores zero-time legs and the pool counts a same-minute leg as 60 s (rounding), "
        "44 km/h here: on CATS that rule would flag 82,604 legs"
    ),
}

# Transitland reports some findings on an entity (a trip, a shape, a service) where MobilityData
# reports a record of another file (stop_times.txt, calendar_dates.txt) or a later record of the
# same entity (a shape's point): such a notice matches when it names the entity by its id and the
# expected row is in another file or is the entity's first record. Keys that are unique per entity.
ENTITY_KEYS = {
    "trips.txt": "trip_id", "stops.txt": "stop_id", "routes.txt": "route_id", "shapes.txt": "shape_id",
    "calendar.txt": "service_id", "agency.txt": "agency_id", "networks.txt": "network_id",
}
ROW_KEYS = ("csvRowNumber", "newCsvRowNumber", "currCsvRowNumber", "csvRowNumber1", "csvRowNumber2",
            "csvRowNumberA", "csvRowNumberB")


def _case_ids() -> list[str]:
    index = shared_feeds_dir() / CASES / "INDEX.csv"
    if not index.is_file():
        return ["feeds-unavailable"]  # the feeds_dir fixture then skips (or fails in CI) with the reason
    with index.open(newline="", encoding="utf-8") as handle:
        return [f"{row['category']}/{row['case']}" for row in csv.DictReader(handle)]


def _params() -> list[Any]:
    return [pytest.param(case, marks=pytest.mark.xfail(reason=XFAIL[case], strict=True)) if case in XFAIL else case
            for case in _case_ids()]


def fixture_records(path: Path) -> dict[int, tuple[int, dict[str, str]]]:
    """Physical start line -> (record number with header = 1, values) of a fixture CSV."""
    reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    header: list[str] | None = None
    records: dict[int, tuple[int, dict[str, str]]] = {}
    number, start = 1, 1
    for values in reader:
        line, start = start, reader.line_num + 1
        if header is None:
            header = [name.strip() for name in values]
        elif values:
            number += 1
            records[line] = (number, dict(zip(header, (v.strip() for v in values), strict=False)))
    return records


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@cache
def _schema_files(code: str) -> frozenset[str]:
    import gtfs_guru

    schema = gtfs_guru.notice_schema().get(code) or {}
    return frozenset((schema.get("references") or {}).get("fileReferences") or ())


def notice_files(notice: pd.Series) -> set[str]:
    """The files a notice is about; when the adapter left the file out, those gtfs-guru documents
    for the code (an empty set: unknown)."""
    context = notice["context"]
    files = {f for f in (notice["file"], context.get("filename"), context.get("childFilename")) if f}
    return files or set(_schema_files(notice["code"]))


def notice_rows(notice: pd.Series, file: str) -> set[int]:
    context = notice["context"]
    rows = {context.get(key) for key in ROW_KEYS} | {None if pd.isna(notice["row"]) else int(notice["row"])}
    if file == "trips.txt":
        rows.add(context.get("tripCsvRowNumber"))
    return {int(r) for r in rows if isinstance(r, int | float) and not pd.isna(r)}


def names_entity(notice: pd.Series, key: str, value: str) -> bool:
    context = notice["context"]
    named = any(str(context.get(k)) == value for k in (key, _camel(key)))
    return named or (context.get("fieldName1") == key and str(context.get("fieldValue1")) == value)


def matches(expected: dict[str, Any], notice: pd.Series) -> bool:
    """Whether `notice` reports the expected transitland error: an accepted code, the expected file,
    and the expected record (its row; else, for a notice without a row, a value of that record it
    quotes), or the entity the expected row stands for (see ENTITY_KEYS)."""
    if notice["code"] not in TRANSITLAND_TO_CODES[expected["error"]]:
        return False
    file, record, values = expected["file"], expected["record"], expected["values"]
    files = notice_files(notice)
    if record is None:
        return file in files
    key = ENTITY_KEYS.get(file)
    if key and values.get(key) and names_entity(notice, key, values[key]) and (
            file not in files or expected["first_of_entity"]):
        return True
    if files and file not in files:
        return False
    rows = notice_rows(notice, file)
    if rows:
        return record in rows
    # No row (the adapter keeps only the context): the notice must quote the faulty value.
    said = {str(v) for v in notice["context"].values() if isinstance(v, str | int | float) and not isinstance(v, bool)}
    quoted = {values[expected["field"]]} if expected["field"] else set(values.values())
    return bool({v for v in quoted if v} & said)


def expected_errors(case_dir: Path) -> list[dict[str, Any]]:
    frame = pd.read_csv(case_dir / "expected_errors.csv", dtype=str, keep_default_na=False)
    errors = []
    for row in frame.to_dict("records"):
        record, values, first_of_entity = None, {}, False
        if row["line"]:
            records = fixture_records(case_dir / "feed" / row["filename"])
            record, values = records[int(row["line"])]
            key = ENTITY_KEYS.get(row["filename"])
            first_of_entity = bool(key) and record == min(n for n, v in records.values() if v.get(key) == values.get(key))
        errors.append({"file": row["filename"], "line": row["line"], "record": record, "values": values,
                       "first_of_entity": first_of_entity, "field": row["field"], "error": row["expected_error"],
                       "entity": row["entity_id"]})
    return errors


def findings(feed: Path) -> pd.DataFrame:
    context = RuleContext(validation_date=VALIDATION_DATE, bbox=None, thresholds=RuleThresholds(), last_changed=None)
    return concat_notices([canonical_notices(feed, VALIDATION_DATE), run_own_rules(read_feed_tables(feed), context)])


@pytest.mark.parametrize("case", _params())
def test_case_expected_errors_are_reported(case: str, feeds_dir: Path) -> None:
    case_dir = feeds_dir / CASES / case
    expected = expected_errors(case_dir)
    assert expected, f"{case} expects no error"
    found = findings(case_dir / "feed")
    assert not (found["code"] == "own_rule_failed").any(), found[found["code"] == "own_rule_failed"]["message"].tolist()
    missing = [e for e in expected if not any(matches(e, notice) for _, notice in found.iterrows())]
    shown = found[["code", "file", "row", "context"]].to_string(max_colwidth=90)
    assert not missing, (
        f"{case}: not reported: "
        + "; ".join(f"{e['error']} at {e['file']}:{e['line'] or '-'} ({e['entity']})" for e in missing)
        + f"\nfindings:\n{shown}"
    )


def test_every_transitland_error_of_the_cases_is_mapped(feeds_dir: Path) -> None:
    names = set()
    for case in _case_ids():
        names |= set(pd.read_csv(feeds_dir / CASES / case / "expected_errors.csv", dtype=str)["expected_error"])
    assert names <= set(TRANSITLAND_TO_CODES), names - set(TRANSITLAND_TO_CODES)


def test_mapped_codes_exist() -> None:
    import gtfs_guru

    known = set(gtfs_guru.notice_codes()) | set(OWN_CODES)
    unknown = {code for codes in TRANSITLAND_TO_CODES.values() for code in codes} - known
    assert not unknown, unknown


def test_fixture_lines_become_record_numbers(tmp_path: Path) -> None:
    path = tmp_path / "fare_products.txt"
    path.write_text("fare_product_id,amount\nfree,0\n\nsingle,1.5\n\n\ndouble,\"3\n\"\nlast,4\n", encoding="utf-8")
    records = fixture_records(path)
    assert {line: number for line, (number, _) in records.items()} == {2: 2, 4: 3, 7: 4, 9: 5}
    assert records[4][1] == {"fare_product_id": "single", "amount": "1.5"}
