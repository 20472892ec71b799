"""The region's overview page (`reports/index.html`): every operator and every feed, bike share
included, each saying in words what it is and what to act on (failed fetches, expired and blocked
versions and why), the regional feeds with their reports, and the links to the fees, the
downloads and the journey planner; in each of the region's languages (one file per language,
see `regie.pages.i18n`).

Rows are `quality.overview.overview_rows`' (one per operator feed): operator, name, feed, kind,
openness, state, fetch_failed, last_fetch_at, latest_version, verdict, blocked_by / blocked_reason,
accepted_version, serving_older, score, errors, feed_end, days_left, expiry, report. The older
shape (OVERVIEW_KEYS: latest_verdict, feed_end without a state) is understood too: the state is
then worked out from the verdict and the expiry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from quality.report.findings import short_hash
from quality.report.html_report import (
    PACKAGE_DIR,
    _csp,
    _static_href,
    copy_static,
    regional_feed_publication,
    report_files,
    score_text,
)
from regie.gtfs.atomic import write_atomic_text
from regie.pages.i18n import N_, N_plural, language_links, page_name
from regie.pages.jinja_environment import page_environment
from regie.pages.links import relative_link
from regie.pages.navigation import relative_href, site_nav
from regie.pages.words import Words

OVERVIEW_KEYS = ("operator", "name", "accepted_version", "latest_version", "latest_verdict", "score", "errors",
                 "feed_end", "last_update", "report")
"""The keys of one overview row in the older shape (missing ones are shown as a dash)."""
STATES = {
    "in_force": N_("in force"),
    "older_in_force": N_("newest version blocked: an older version stays in force"),
    "expiring": N_("in force, expiring soon"),
    "expired": N_("expired: not in the regional feeds"),
    "blocked": N_("blocked: no version in force, not in the regional feeds"),
    "no_version": N_("no version yet"),
    "snapshots": N_("snapshots only (no versions to gate)"),
}
"""What each gate state means, in words (as `quality.overview.STATE_WORDS`)."""
ALARM_STATES = {"older_in_force", "expired", "blocked", "no_version"}
KINDS = {"gtfs": N_("GTFS timetable"), "gbfs": N_("bike share (GBFS)"), "gtfs_rt": N_("real-time (GTFS-RT)"),
         "siri": N_("real-time (SIRI)")}
OPENNESS = {"open": N_("open data"), "restricted": N_("restricted")}
REGIONAL_FEEDS = {"internal": N_("Internal regional feed (every operator; not published)"),
                  "open": N_("Open regional feed (open operators only; published)")}


@cache
def _environment(language: str) -> jinja2.Environment:
    return page_environment(PACKAGE_DIR / "templates", {"short": lambda value: short_hash(value) or "—"},
                            language=language)


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _state(row: Mapping[str, Any], days_left: int | None, warn_days: int) -> str:
    """The row's gate state: given, else worked out from the older keys."""
    if row.get("state"):
        return str(row["state"])
    verdict = row.get("latest_verdict", row.get("verdict"))
    if not row.get("accepted_version"):
        return "no_version" if not row.get("latest_version") else (
            "expired" if row.get("expiry") == "expired" else "blocked")
    if days_left is not None and days_left < 0:
        return "expired"
    if row.get("serving_older") or (verdict == "blocked" and row.get("accepted_version") != row.get("latest_version")):
        return "older_in_force"
    if days_left is not None and days_left <= warn_days:
        return "expiring"
    return "in_force"


def _blocked_text(row: Mapping[str, Any], words: Words) -> str | None:
    """Why the newest version is blocked: its blocking codes when the row has them, else the gate's words."""
    codes = row.get("blocked_by")
    if isinstance(codes, list | tuple) and codes:
        named = ", ".join(f"{code} ×{count}" if count and count > 1 else str(code) for code, count in codes[:3])
        more = words.say(N_(" and %(count)s more"), count=len(codes) - 3) if len(codes) > 3 else ""
        return words.say_n(N_plural("%(count)s error: %(codes)s", "%(count)s errors: %(codes)s"),
                           int(row.get("errors") or 0), codes=named + more)
    if row.get("verdict", row.get("latest_verdict")) == "blocked" and row.get("errors") is not None:
        reason = str(row.get("blocked_reason") or "")
        if ": " in reason:  # the gate's words "3 errors: code ×2, code and 2 more": its codes, with our words
            codes = reason.split(": ", 1)[1]
            rest = re.search(r" and (\d+) more$", codes)
            if rest:
                codes = codes[:rest.start()] + words.say(N_(" and %(count)s more"), count=int(rest.group(1)))
            return words.say_n(N_plural("%(count)s error: %(codes)s", "%(count)s errors: %(codes)s"),
                               int(row["errors"]), codes=codes)
        return words.say_n(N_plural("%(count)s error", "%(count)s errors"), int(row["errors"]))
    return None


def _expiry_text(end: date | None, days_left: int | None, words: Words) -> str | None:
    if end is None or days_left is None:
        return None
    if days_left < 0:
        return words.say_n(N_plural("service ended on %(day)s, %(count)s day ago",
                                    "service ended on %(day)s, %(count)s days ago"), -days_left, day=words.day(end))
    return words.say_n(N_plural("runs until %(day)s (%(count)s day left)", "runs until %(day)s (%(count)s days left)"),
                       days_left, day=words.day(end))


def _fetch_text(row: Mapping[str, Any], now: datetime | None, words: Words) -> str | None:
    """The last fetch in words: failed or not, and when."""
    at = row.get("last_fetch_at")
    moment = datetime.fromisoformat(at) if isinstance(at, str) and at else at if isinstance(at, datetime) else None
    if moment is None:
        return words.say(N_("never fetched")) if "last_fetch_at" in row else None
    when = words.value(moment)
    if row.get("fetch_failed"):
        error = row.get("last_fetch_error")
        if not error and ": " in str(row.get("last_fetch") or ""):  # the gate's words "failed 2 hours ago: cause"
            error = str(row["last_fetch"]).split(": ", 1)[1]
        return (words.say(N_("download failed on %(when)s: %(error)s"), when=when, error=error) if error
                else words.say(N_("download failed on %(when)s"), when=when))
    return words.say(N_("downloaded on %(when)s"), when=when)


def overview_row(row: Mapping[str, Any], as_of: date, warn_days: int, words: Words,
                 now: datetime | None = None) -> dict[str, Any]:
    """One row of the page, every text in the language of `words`."""
    end = _day(row.get("feed_end"))
    days_left = (end - as_of).days if end else row.get("days_left")
    if not isinstance(days_left, int) or isinstance(days_left, bool):
        days_left = None
    kind = str(row.get("kind") or "gtfs")
    state = _state(row, days_left, warn_days) if kind == "gtfs" else "snapshots"
    status = words.say(STATES.get(state, N_("unknown")))
    reason = _blocked_text(row, words) if state in ("older_in_force", "blocked") else None
    if state == "expired" and end is None and row.get("latest_feed_end"):
        latest_end = _day(row.get("latest_feed_end"))
        reason = _expiry_text(latest_end, (latest_end - as_of).days, words) if latest_end else None
    alarm = bool(row.get("alarm")) if "alarm" in row else (state in ALARM_STATES or bool(row.get("fetch_failed")))
    verdict = row.get("verdict", row.get("latest_verdict"))
    return {
        "operator": row.get("operator"), "name": row.get("name") or row.get("operator"), "feed": row.get("feed"),
        "kind": words.say(KINDS.get(kind, N_("other feed"))), "gtfs": kind == "gtfs",
        "openness": words.say(OPENNESS[row["openness"]]) if row.get("openness") in OPENNESS else None,
        "state": state, "status": status, "reason": reason, "alarm": alarm,
        "fetch_failed": bool(row.get("fetch_failed")), "fetch": _fetch_text(row, now, words),
        "accepted_version": row.get("accepted_version"), "latest_version": row.get("latest_version"),
        "verdict": verdict if verdict in ("accepted", "blocked") else None,
        "score": score_text(row.get("score"), words) if row.get("score") is not None else "—",
        "errors": row.get("errors"),
        "expiry": _expiry_text(end, days_left, words), "expired": days_left is not None and days_left < 0,
        "soon": days_left is not None and 0 <= days_left <= warn_days,
        "report": relative_link(row.get("report")),
    }


def localised(page: Path, language: str, ordered: Sequence[str]) -> Path:
    """`page` in `language` when that file is written, else `page` itself."""
    other = page.with_name(page_name(page.name, language, ordered))
    return other if other.is_file() else page


def regional_rows(reports_dir: Path, page: Path, words: Words, ordered: Sequence[str]) -> list[dict[str, Any]]:
    """The regional feeds whose report is written under `reports_dir/_region/<name>/`: name in
    words, feed_version, verdict and counts, the link to the report (in the page's language)."""
    rows = []
    for name, label in REGIONAL_FEEDS.items():
        report = reports_dir / "_region" / name / "report.json"
        if not report.is_file():
            continue
        try:
            summary = json.loads(report.read_text(encoding="utf-8")).get("summary", {})
        except (OSError, ValueError):
            continue
        feed_path = (summary.get("feed") or {}).get("path")
        publication = regional_feed_publication(Path(feed_path), name) if feed_path else None
        counts = summary.get("counts") or {}
        rows.append({
            "label": words.say(label), "version": publication.feed_version if publication else None,
            "verdict": summary.get("verdict"),
            "href": relative_href(page, localised(report.with_suffix(".html"), words.language, ordered)),
            "counts": words.say(N_("%(errors)s errors, %(warnings)s warnings"), errors=int(counts.get("ERROR", 0)),
                                warnings=int(counts.get("WARNING", 0))),
        })
    return rows


def write_overview_html(
    rows: Sequence[Mapping[str, Any]],
    path: Path,
    *,
    region_name: str,
    as_of: date,
    expiry_warning_days: int = 14,
    static_dir: Path | None = None,
    languages: Sequence[str] | None = None,
    data_dir: Path | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Write the region's overview page to `path` (and its other languages beside it): one row per
    operator feed (module docstring; "report" is the relative link to its latest report, absolute
    URLs are not linked), expiry counted in days from `as_of` and flagged within
    `expiry_warning_days`; the regional feeds' reports found next to it; with `data_dir`, the
    links to the fees, the downloads and the planner. Returns the files written."""
    path = Path(path)
    static_dir = Path(static_dir) if static_dir is not None else path.parent / "static"
    files = report_files(path, languages)
    ordered = list(files)
    planner = data_dir is not None and (Path(data_dir) / "journeys" / "internal").is_dir()
    for language, target in files.items():
        words = Words(language)
        table = [overview_row(row, as_of, expiry_warning_days, words, now) for row in rows]
        for item in table:
            if item["report"]:
                item["report"] = relative_href(target, localised(path.parent / item["report"], language, ordered))
        operators = len({row["operator"] for row in table})
        totals = [
            words.say_n(N_plural("%(count)s operator", "%(count)s operators"), operators),
            words.say_n(N_plural("%(count)s feed", "%(count)s feeds"), len(table)),
            words.say_n(N_plural("%(count)s in force", "%(count)s in force"),
                        sum(1 for row in table if row["state"] in ("in_force", "expiring", "older_in_force"))),
        ]
        for state, forms in (("expiring", N_plural("%(count)s expiring soon", "%(count)s expiring soon")),
                             ("older_in_force", N_plural("%(count)s with a blocked newest version",
                                                         "%(count)s with a blocked newest version")),
                             ("blocked", N_plural("%(count)s blocked", "%(count)s blocked")),
                             ("expired", N_plural("%(count)s expired", "%(count)s expired")),
                             ("no_version", N_plural("%(count)s without any version", "%(count)s without any version"))):
            count = sum(1 for row in table if row["state"] == state)
            if count:
                totals.append(words.say_n(forms, count))
        failed = sum(1 for row in table if row["fetch_failed"])
        if failed:
            totals.append(words.say_n(N_plural("%(count)s failed download", "%(count)s failed downloads"), failed))
        page = _environment(language).get_template("overview.html").render(
            title=words.say(N_("%(region)s: the data pool's feeds"), region=region_name),
            csp=_csp(None),
            static=_static_href(target, static_dir),
            languages=language_links(path.name, language, ordered),
            nav=site_nav(target, data_dir, language=language, languages=ordered, planner=planner) if data_dir else [],
            situation=words.say(N_("Situation on %(day)s"), day=words.day(as_of)),
            totals=totals,
            alarms=[row for row in table if row["alarm"]],
            rows=table,
            regional=regional_rows(path.parent, target, words, ordered),
        )
        write_atomic_text(target, page)
    copy_static(static_dir)
    return list(files.values())
