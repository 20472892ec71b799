"""Facts about published files that the catalogue and the portal show: a feed's service dates and
bounding box (from its own calendars and stops), a report's quality score, GBFS files with
script URLs emptied."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from regie.config.operators import BoundingBox
from regie.publish.tables import read_text_table, typed_table

VOLATILE_REPORT_KEYS = ("validatedAt", "durationSeconds")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")
_POOL_NAV = re.compile(r'<nav class="page-nav"[^>]*>.*?</nav>\s*', re.DOTALL)
_SCRIPT_SCHEMES = {"javascript", "vbscript", "data", "file"}


def _member_table(archive: zipfile.ZipFile, name: str) -> pa.Table | None:
    try:
        data = archive.read(name)
    except KeyError:
        return None
    return typed_table(read_text_table(data))


def feed_coverage(feed_zip: Path) -> tuple[tuple[date | None, date | None], BoundingBox | None]:
    """((first, last) service day, bounding box of the stops) of a GTFS zip. Calendar ranges that
    run on some weekday count whole, and added dates count; removed dates are ignored."""
    with zipfile.ZipFile(feed_zip) as archive:
        calendar = _member_table(archive, "calendar.txt")
        dates = _member_table(archive, "calendar_dates.txt")
        stops = _member_table(archive, "stops.txt")
    starts: list[date] = []
    ends: list[date] = []
    if calendar is not None and calendar.num_rows and {"start_date", "end_date"} <= set(calendar.column_names):
        runs = [pc.equal(calendar[day], 1) for day in WEEKDAYS if day in calendar.column_names]
        active = calendar
        if runs:
            mask = runs[0]
            for other in runs[1:]:
                mask = pc.or_(mask, other)
            active = calendar.filter(pc.fill_null(mask, False))
        starts += [value for value in active["start_date"].to_pylist() if value]
        ends += [value for value in active["end_date"].to_pylist() if value]
    if dates is not None and dates.num_rows and {"date", "exception_type"} <= set(dates.column_names):
        added = dates.filter(pc.fill_null(pc.equal(dates["exception_type"], 1), False))
        values = [value for value in added["date"].to_pylist() if value]
        starts += values
        ends += values
    span = (min(starts) if starts else None, max(ends) if ends else None)
    return span, stops_bbox(stops)


def stops_bbox(stops: pa.Table | None) -> BoundingBox | None:
    if stops is None or not {"stop_lat", "stop_lon"} <= set(stops.column_names):
        return None
    lat, lon = stops["stop_lat"], stops["stop_lon"]
    valid = pc.and_(pc.is_valid(lat), pc.is_valid(lon))
    lat, lon = pc.filter(lat, valid), pc.filter(lon, valid)
    if not len(lat):
        return None
    lat_range, lon_range = pc.min_max(lat).as_py(), pc.min_max(lon).as_py()
    return BoundingBox(min_lon=lon_range["min"], min_lat=lat_range["min"], max_lon=lon_range["max"],
                       max_lat=lat_range["max"])


def report_score(report_folder: Path | None) -> float | None:
    """The total quality score in a report's report.json (None when absent)."""
    if report_folder is None or not (report_folder / "report.json").is_file():
        return None
    summary = json.loads((report_folder / "report.json").read_text(encoding="utf-8")).get("summary", {})
    score = (summary.get("score") or {}).get("total")
    return float(score) if isinstance(score, int | float) else None


def stable_report_hash(path: Path) -> str:
    """SHA-256 of a report file as the release publishes it, without what changes when nothing
    in the feed did: report.json's validation time and duration, a page's pool navigation
    (which gains a link once the first release exists). A re-validation alone makes no release."""
    if path.suffix == ".html":
        return hashlib.sha256(without_pool_navigation(path.read_text(encoding="utf-8")).encode()).hexdigest()
    report = json.loads(path.read_text(encoding="utf-8"))
    summary = report.get("summary")
    if isinstance(summary, dict):
        report["summary"] = {key: value for key, value in summary.items() if key not in VOLATILE_REPORT_KEYS}
    return hashlib.sha256(json.dumps(report, sort_keys=True).encode()).hexdigest()


def without_pool_navigation(html: str) -> str:
    """A pool page without its navigation bar (`<nav class="page-nav">`: links to the overview,
    the fees and the planner, which are not in a release); the language switch stays."""
    return _POOL_NAV.sub("", html)


def without_script_urls(value: Any, key: str = "") -> Any:
    """JSON `value` with URL values that are not http(s) emptied, at any depth: any string under a
    key naming a URL or URI (GBFS `rental_uris`, `url`, ...) whose scheme is not http or https, and
    any string starting with a script or data scheme wherever it is."""
    if isinstance(value, dict):
        return {name: without_script_urls(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [without_script_urls(item, key) for item in value]
    if isinstance(value, str):
        match = _SCHEME.match(value)
        scheme = match.group(1).lower() if match else ""
        url_key = any(part in key.lower() for part in ("url", "uri", "android", "ios", "web"))
        if scheme in _SCRIPT_SCHEMES or (url_key and match and scheme not in ("http", "https")):
            return ""
    return value


def write_clean_json(source: Path, target: Path) -> None:
    data = json.loads(source.read_text(encoding="utf-8"))
    target.write_text(json.dumps(without_script_urls(data), ensure_ascii=False, indent=1), encoding="utf-8")
