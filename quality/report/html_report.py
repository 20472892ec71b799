"""The reports people read: one page per operator version, and the region's overview.

Pages are rendered by Jinja2 with autoescape from `templates/`, on the pages' shared base
(`regie.pages.jinja_environment`); data the page's scripts need goes in one
`<script type="application/json">` block (see `script_json`), read by `static/report.js`.
The libraries (Leaflet, Chart.js) are vendored in `static/` and copied next to the pages, so a
report works offline; a Content-Security-Policy allows scripts from the page's own origin only.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any, NotRequired, TypedDict
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup

from quality.config import ReportSettings
from quality.notices import Severity
from quality.report.explanations import SEVERITY_EXPLANATIONS, explain, explain_component
from quality.report.findings import findings, short_hash, verdict
from quality.report.stops import flagged_stop_rows, map_layer, stop_flags
from quality.result import ValidationOutcome
from regie.gtfs.atomic import replace_atomic, write_atomic_text
from regie.pages.encode import script_json
from regie.pages.jinja_environment import page_environment
from regie.pages.links import relative_link

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
MAX_FLAGGED_ROWS = 200
OVERVIEW_KEYS = ("operator", "name", "accepted_version", "latest_version", "latest_verdict", "score", "errors",
                 "feed_end", "last_update", "report")
"""The keys of one overview row (missing ones are shown as a dash). Also understood: "verdict"
(for latest_verdict), "feed" (shown beside the operator id), "serving_older" (a blocked newer
version leaves an older accepted one in force), "expiry" ("ok" | "expiring" | "expired" | "none",
as `quality.gate.expiry_status`; otherwise worked out from feed_end) and "days_left"."""
EXPIRY_STATES = {"ok": "ok", "expiring": "soon", "soon": "soon", "expired": "expired", "none": "none"}


@cache
def _environment() -> jinja2.Environment:
    return page_environment(PACKAGE_DIR / "templates",
                            {"short": lambda value: short_hash(value) or "—", "num": _number, "figure": _figure})


def _number(value: Any, digits: int = 1) -> str:
    if value is None or isinstance(value, bool):
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(number):
        return "—"
    return f"{number:.{digits}f}" if digits else f"{number:.0f}"


def _figure(value: Any) -> str:
    """A figure behind the score: numbers rounded to 2 decimals, missing ones as a dash."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if math.isfinite(value) else "—"
    return "—" if value is None else str(value)


def copy_static(target: Path) -> Path:
    """Copy the vendored libraries and the report's own CSS/JS into `target` (created if needed);
    files already there with the same bytes are left alone. Returns `target`."""
    target = Path(target)
    for source in sorted(STATIC_DIR.rglob("*")):
        if not source.is_file() or source.name.startswith("."):
            continue
        destination = target / source.relative_to(STATIC_DIR)
        if destination.is_file() and destination.stat().st_size == source.stat().st_size \
                and destination.read_bytes() == source.read_bytes():
            continue
        with source.open("rb") as stream:
            replace_atomic(destination, partial(shutil.copyfileobj, stream))
    return target


def _static_href(page: Path, static_dir: Path) -> str:
    relative = os.path.relpath(Path(static_dir).resolve(), Path(page).resolve().parent)
    return quote(Path(relative).as_posix())


def _tile_source(tile_url: str | None) -> str | None:
    """The CSP source allowing the tile server of `tile_url` (None when tiles are off)."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"report.tile_url must be an http(s) URL template, got {tile_url!r}")
    host = parts.netloc.replace("{s}", "*")
    if "{" in host:
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{host}"


def _csp(tile_url: str | None) -> str:
    images = " ".join(filter(None, ["'self'", "data:", _tile_source(tile_url)]))
    return ("default-src 'none'; script-src 'self'; style-src 'self'; "
            f"img-src {images}; base-uri 'none'; form-action 'none'")


def _iso_day(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


class VersionRow(TypedDict):
    """One version in the report's score-over-versions chart and table."""

    version: str | None
    validated_at: str | None
    score: float | None
    errors: int | None
    accepted: bool
    current: bool
    label: NotRequired[list[str]]
    """[validation day, short hash], "?" for what is unknown."""


def _history(history: Sequence[Mapping[str, Any]], outcome: ValidationOutcome, score: float | None) -> list[VersionRow]:
    """Past versions in the order given (oldest first), plus this version at the end (marked
    current) unless its hash is already listed (then that row is marked current)."""
    rows: list[VersionRow] = [
        {
            "version": None if row.get("version") is None else str(row.get("version")),
            "validated_at": _iso_day(row.get("validated_at")),
            "score": row.get("score"),
            "errors": row.get("errors"),
            "accepted": bool(row.get("accepted")),
            "current": False,
        }
        for row in history
    ]
    known = {short_hash(row["version"]) for row in rows if row["version"]}
    current = short_hash(outcome.content_hash)
    if current is None or current not in known:
        rows.append({
            "version": outcome.content_hash, "validated_at": outcome.validation_date.isoformat(), "score": score,
            "errors": outcome.counts_by_severity().get(Severity.ERROR.value, 0), "accepted": not outcome.blocked,
            "current": True,
        })
    else:
        for row in rows:
            row["current"] = short_hash(row["version"]) == current
    for row in rows:
        row["label"] = [row["validated_at"] or "?", short_hash(row["version"], 8) or "?"]
    return rows


def _score(outcome: ValidationOutcome) -> dict[str, Any] | None:
    if outcome.score is None:
        return None
    details = outcome.score.details or {}
    components = []
    for name, value in outcome.score.components.items():
        figures = details.get(name)
        components.append({
            "name": name, "value": value, "explanation": explain_component(name),
            "figures": dict(figures) if isinstance(figures, Mapping) else {},
        })
    extra = {key: value for key, value in details.items()
             if key not in outcome.score.components and isinstance(value, str | int | float | bool)}
    return {"total": outcome.score.total, "components": components, "figures": extra}


def _sample_values(sample: Mapping[str, Any]) -> list[tuple[str, str]]:
    hidden = {"filename", "csvRowNumber", "fieldName", "message", "waived", "waiver"}
    return [(key, "" if value is None else str(value)) for key, value in sample.items() if key not in hidden]


def write_report_html(
    outcome: ValidationOutcome,
    path: Path,
    *,
    history: Sequence[Mapping[str, Any]] = (),
    settings: ReportSettings | None = None,
    title: str = "Feed quality report",
    operator_name: str | None = None,
    static_dir: Path | None = None,
) -> None:
    """Write the operator report a person reads to `path` (atomic, UTF-8), and copy the static
    files into `static_dir` (default: `static/` next to the page).

    history: past versions, each {"version", "validated_at", "score", "errors", "accepted"}; this
    version is added unless its hash is already there. settings: map tiles (off unless
    `tile_url` is set) and samples per code. operator_name: shown beside the operator id."""
    settings = settings or ReportSettings()
    path = Path(path)
    static_dir = Path(static_dir) if static_dir is not None else path.parent / "static"
    counts = outcome.counts_by_severity()
    groups = findings(outcome, samples=settings.samples_per_notice)
    for group in groups:
        first = group["samples"][0]["message"] if group["samples"] else None
        group["explanation"] = explain(group["code"], first)
        group["rows"] = [{**sample, "values": _sample_values(sample)} for sample in group["samples"]]
    by_severity = [
        {"severity": severity.value, "explanation": SEVERITY_EXPLANATIONS[severity.value],
         "groups": [group for group in groups if group["severity"] == severity.value],
         "count": counts.get(severity.value, 0)}
        for severity in Severity
    ]
    flags = stop_flags(outcome)
    layer = map_layer(outcome, flags)
    flagged = flagged_stop_rows(outcome, flags)
    score = _score(outcome)
    versions = _history(history, outcome, score["total"] if score else None)
    days_left = (outcome.feed_end - outcome.validation_date).days if outcome.feed_end else None
    tiles = {"url": settings.tile_url, "attribution": settings.tile_attribution} if settings.tile_url else None
    data = {"map": {**layer, "tiles": tiles}, "history": versions}
    page = _environment().get_template("report.html").render(
        title=title,
        csp=_csp(settings.tile_url),
        static=_static_href(path, static_dir),
        outcome=outcome,
        operator_name=operator_name,
        verdict=verdict(outcome),
        counts=counts,
        waived_total=sum(group["waived_count"] for group in groups),
        blocking_total=sum(group["blocking_count"] for group in groups),
        days_left=days_left,
        score=score,
        sections=by_severity,
        flagged=flagged[:MAX_FLAGGED_ROWS],
        flagged_total=len(flagged),
        stops_shown=len(layer["stops"]),
        stops_without_coordinates=layer["without_coordinates"],
        tiles=tiles,
        versions=versions,
        data_json=Markup(script_json(data)),  # script_json escapes <, >, & for a script block
    )
    copy_static(static_dir)
    write_atomic_text(path, page)


def _overview_row(row: Mapping[str, Any], as_of: date, warn_days: int) -> dict[str, Any]:
    feed_end = row.get("feed_end")
    end_day = feed_end.date() if isinstance(feed_end, datetime) else feed_end
    if isinstance(end_day, str) and end_day:
        try:
            end_day = date.fromisoformat(end_day[:10])
        except ValueError:
            end_day = None
    days_left = (end_day - as_of).days if isinstance(end_day, date) else row.get("days_left")
    if not isinstance(days_left, int) or isinstance(days_left, bool):
        days_left = None
    if row.get("expiry") in EXPIRY_STATES:
        expiry = EXPIRY_STATES[row["expiry"]]
    elif days_left is None:
        expiry = "unknown"
    elif days_left < 0:
        expiry = "expired"
    elif days_left <= warn_days:
        expiry = "soon"
    else:
        expiry = "ok"
    latest_verdict = row.get("latest_verdict", row.get("verdict"))
    return {
        "operator": row.get("operator"),
        "name": row.get("name") or row.get("operator"),
        "feed": row.get("feed"),
        "serving_older": bool(row.get("serving_older")),
        "accepted_version": row.get("accepted_version"),
        "latest_version": row.get("latest_version"),
        "latest_verdict": latest_verdict if latest_verdict in ("accepted", "blocked") else None,
        "score": row.get("score"),
        "errors": row.get("errors"),
        "feed_end": _iso_day(end_day),
        "days_left": days_left,
        "expiry": expiry,
        "last_update": row.get("last_update"),
        "last_update_text": (row["last_update"].isoformat(sep=" ", timespec="minutes")
                             if isinstance(row.get("last_update"), datetime) else _iso_day(row.get("last_update"))),
        "report": relative_link(row.get("report")),
    }


def write_overview_html(
    rows: Sequence[Mapping[str, Any]],
    path: Path,
    *,
    region_name: str,
    as_of: date,
    expiry_warning_days: int = 14,
    static_dir: Path | None = None,
) -> None:
    """Write the region's overview page to `path`: one row per operator with the keys of
    OVERVIEW_KEYS ("report" is the relative link to the operator's page; absolute URLs are not
    linked), expiry counted in days from `as_of` and flagged within `expiry_warning_days`."""
    path = Path(path)
    static_dir = Path(static_dir) if static_dir is not None else path.parent / "static"
    table = [_overview_row(row, as_of, expiry_warning_days) for row in rows]
    totals = {
        "operators": len(table),
        "accepted": sum(1 for row in table if row["latest_verdict"] == "accepted"),
        "blocked": sum(1 for row in table if row["latest_verdict"] == "blocked"),
        "expiring": sum(1 for row in table if row["expiry"] == "soon"),
        "expired": sum(1 for row in table if row["expiry"] == "expired"),
        "without_accepted": sum(1 for row in table if not row["accepted_version"]),
        "serving_older": sum(1 for row in table if row["serving_older"]),
    }
    page = _environment().get_template("overview.html").render(
        title=f"{region_name}: feed quality overview",
        csp=_csp(None),
        static=_static_href(path, static_dir),
        region_name=region_name,
        as_of=as_of,
        rows=table,
        totals=totals,
        warn_days=expiry_warning_days,
    )
    copy_static(static_dir)
    write_atomic_text(path, page)
