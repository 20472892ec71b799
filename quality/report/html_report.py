"""The report people read: one page per operator version (or regional feed), in each of the
region's languages.

Pages are rendered by Jinja2 with autoescape from `templates/`, on the pages' shared base
(`regie.pages.jinja_environment`, translated with the catalogues of `regie.pages.i18n`); the
sentences with figures are built here with `regie.pages.words.Words`. Data the page's scripts
need goes in one `<script type="application/json">` block (see `script_json`), read by
`static/report.js`, with the script's own words in the page's language. The libraries (Leaflet,
Chart.js) are vendored in `static/` and copied next to the pages, so a report works offline; a
Content-Security-Policy allows scripts from the page's own origin only.

Languages: `languages` (the region's, first = main) gives one file per language: the plain
name for the first, `report.fr.html`... for the others (`regie.pages.i18n.page_name`), each
with the language switch; English alone when not given.

What the verdict may claim (`Publication`): outside the pool nothing but the verdict; inside it,
what the gate's verdict means for this operator (merged into the internal regional feed, and
published in the open one only when its data is open); a regional feed's report names its
feed_version and publisher (read from its feed_info.txt when the caller does not give them).
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any, NotRequired, TypedDict
from urllib.parse import quote, urlsplit

import jinja2
import pandas as pd
from markupsafe import Markup

from quality.config import ReportSettings
from quality.notices import Severity
from quality.report.causes import shared_causes
from quality.report.explanations import SEVERITY_EXPLANATIONS, explain, explain_component
from quality.report.findings import findings, short_hash, verdict
from quality.report.stops import flagged_stop_rows, map_layer, stop_flags
from quality.report.wording import COMPONENT_NAMES, advice, component_lines, omitted_lines, sample_table, weight_line
from quality.result import ScoreResult, ValidationOutcome
from regie.gtfs.atomic import replace_atomic, write_atomic_text
from regie.pages.encode import script_json
from regie.pages.i18n import N_, N_plural, language_links, page_languages, page_name
from regie.pages.jinja_environment import page_environment
from regie.pages.navigation import site_nav
from regie.pages.words import Words

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
MAX_FLAGGED_ROWS = 200
POOL_COLUMNS = {"routes.txt": ("route_type_original",)}
"""Columns the pool adds to its regional feeds on purpose (documented in regie/integrate/normalise):
not "unknown" in a regional feed's report."""
SEVERITY_NAMES = {"ERROR": N_("Error"), "WARNING": N_("Warning"), "INFO": N_("Information")}
SEVERITY_COUNTS = {"ERROR": N_plural("%(count)s error", "%(count)s errors"),
                   "WARNING": N_plural("%(count)s warning", "%(count)s warnings"),
                   "INFO": N_plural("%(count)s information note", "%(count)s information notes")}
CAUSE_COUNTS = {"ERROR": N_plural("%(part)s of %(count)s error", "%(part)s of %(count)s errors"),
                "WARNING": N_plural("%(part)s of %(count)s warning", "%(part)s of %(count)s warnings")}
FEED_NAMES = {"internal": N_("internal regional feed"), "open": N_("open regional feed")}


@dataclass(frozen=True)
class Publication:
    """What an accepted version becomes, so that a report claims only that.

    openness: the operator's ("open" | "restricted"); None outside the pool (no claim at all).
    regional_feed: "internal" | "open" when the report is about that regional feed itself, with
    its publisher and feed_version (read from the feed's feed_info.txt when None)."""

    openness: str | None = None
    regional_feed: str | None = None
    publisher: str | None = None
    feed_version: str | None = None


def score_text(value: Any, words: Words) -> str:
    """The one rounding rule of scores, on every page: one decimal."""
    return words.number(value, 1)


@cache
def _environment(language: str) -> jinja2.Environment:
    return page_environment(PACKAGE_DIR / "templates", {"short": lambda value: short_hash(value) or "—"},
                            language=language)


def regional_feed_publication(path: Path, name: str | None) -> Publication:
    """The Publication of regional feed `name` at `path`: publisher and version from its feed_info.txt."""
    publisher = version = None
    try:
        with zipfile.ZipFile(path) as archive:
            text = archive.read("feed_info.txt").decode("utf-8-sig")
    except (OSError, KeyError, zipfile.BadZipFile):
        text = ""
    if text:
        import csv  # lazy: only the regional feeds' reports read their feed_info

        rows = list(csv.DictReader(io.StringIO(text)))
        if rows:
            publisher, version = rows[0].get("feed_publisher_name") or None, rows[0].get("feed_version") or None
    return Publication(regional_feed=name, publisher=publisher, feed_version=version)


def _without_pool_columns(outcome: ValidationOutcome) -> tuple[ValidationOutcome, list[str]]:
    """The outcome without `unknown_column` findings about POOL_COLUMNS, and those columns."""
    frame = outcome.notices
    if frame.empty:
        return outcome, []
    fields = frame["field"].astype("object").where(frame["field"].notna(), None)
    pool_column = pd.Series([field in POOL_COLUMNS.get(str(file), ()) for file, field in zip(frame["file"], fields,
                                                                                             strict=True)],
                            index=frame.index, dtype=bool)
    ours = (frame["code"] == "unknown_column") & pool_column
    if not ours.any():
        return outcome, []
    columns = sorted({f"{file}: {field}" for file, field in zip(frame["file"][ours], fields[ours], strict=True)})
    return dataclasses.replace(outcome, notices=frame[~ours].reset_index(drop=True),
                               score=_score_without(outcome.score, frame[ours])), columns


def _score_without(score: ScoreResult | None, removed: pd.DataFrame) -> ScoreResult | None:
    """The score with the compliance figures' counts not counting `removed` findings of the
    severities that cost no points (so the figures agree with the page; the score is the same)."""
    compliance = (score.details or {}).get("compliance") if score is not None else None
    if score is None or not isinstance(compliance, Mapping):
        return score
    points = compliance.get("penalty_per_finding_per_thousand") or {}
    found = dict(compliance.get("findings") or {})
    per_thousand = dict(compliance.get("findings_per_thousand_rows") or {})
    thousands = max(int(compliance.get("rows") or 0), 1) / 1000.0
    for severity, count in removed["severity"].value_counts().items():
        if not points.get(severity) and severity in found:
            found[severity] = max(int(found[severity]) - int(count), 0)
            per_thousand[severity] = round(found[severity] / thousands, 6)
    details = {**score.details, "compliance": {**compliance, "findings": found, "findings_per_thousand_rows": per_thousand}}
    return dataclasses.replace(score, details=details)


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


def _score_context(outcome: ValidationOutcome, words: Words) -> dict[str, Any] | None:
    if outcome.score is None:
        return None
    details = outcome.score.details or {}
    components = []
    for name, value in outcome.score.components.items():
        figures = details.get(name)
        lines, todo = component_lines(name, figures if isinstance(figures, Mapping) else {}, words)
        weight = weight_line(name, details, words)
        components.append({
            "name": words.say(COMPONENT_NAMES[name]) if name in COMPONENT_NAMES else name.replace("_", " ").capitalize(),
            "value": value, "value_text": score_text(value, words), "explanation": explain_component(name, words),
            "lines": lines + ([weight] if weight else []), "todo": todo,
        })
    return {"total": outcome.score.total, "total_text": score_text(outcome.score.total, words),
            "components": components, "omitted": omitted_lines(details, words)}


def _verdict_lines(outcome: ValidationOutcome, publication: Publication | None, blocking_total: int,
                   days_left: int | None, words: Words) -> list[str]:
    """What the verdict means, claiming only what is true (module docstring)."""
    if outcome.blocked:
        return [words.say_n(N_plural(
            "This version is blocked by %(count)s finding that is not waived: it goes into no regional feed, "
            "and the pool keeps the last accepted version in force until that one expires.",
            "This version is blocked by %(count)s findings that are not waived: it goes into no regional feed, "
            "and the pool keeps the last accepted version in force until that one expires."), blocking_total)]
    if publication is not None and publication.regional_feed:
        if publication.regional_feed == "open":
            return [words.say(N_("This regional feed passed the pool's quality gate. It merges the versions in "
                                 "force of the operators whose data is open, and it is published."))]
        return [words.say(N_("This regional feed passed the pool's quality gate. It merges the versions in force "
                             "of every operator, restricted ones included, and is not published: the pool uses "
                             "it internally."))]
    if days_left is not None and days_left < 0:
        return [words.say(N_("This version passed the checks, but its service has ended: it is in no regional "
                             "feed."))]
    if publication is None or publication.openness is None:
        return [words.say(N_("This version passed the quality checks: no finding blocks it."))]
    if publication.openness == "open":
        return [words.say(N_("This version passed the pool's quality gate: it is merged into the internal "
                             "regional feed and into the open regional feed, which is published."))]
    return [words.say(N_("This version passed the pool's quality gate: it is merged into the internal regional "
                         "feed only. The operator's data is restricted, so it is not published."))]


def _cause_lines(outcome: ValidationOutcome, layer: Mapping[str, Any], words: Words) -> list[dict[str, Any]]:
    far = {item["stop_id"]: item["distance_km"] for item in layer.get("outliers", [])}
    counts = outcome.counts_by_severity()
    causes = []
    for cause in shared_causes(outcome):
        parts = [words.say_n(CAUSE_COUNTS[severity], counts.get(severity, 0), part=count)
                 for severity, count in cause["by_severity"].items()]
        text = words.say(N_("Stop %(stop)s (%(name)s) is named by %(findings)s."), stop=cause["stop_id"],
                         name=cause["name"] or words.say(N_("not in stops.txt")), findings=", ".join(parts))
        where = None
        if cause["stop_id"] in far:
            where = words.say(N_("It lies %(distance)s km from the middle of the feed's other stops: its coordinates "
                                 "are probably wrong (latitude and longitude swapped, or a typing error). Correct it "
                                 "first; most of these findings should then go away."),
                              distance=far[cause["stop_id"]], digits={"distance": 0})
        else:
            where = words.say(N_("Check this stop first (its position and the times of the trips through it): "
                                 "fixing it should clear most of these findings."))
        causes.append({"text": text, "todo": where, "codes": list(cause["by_code"].items()),
                       "by_code": cause["by_code"], "stop_id": cause["stop_id"]})
    return causes


def _sections(outcome: ValidationOutcome, groups: list[dict[str, Any]], causes: list[dict[str, Any]],
              words: Words) -> list[dict[str, Any]]:
    counts = outcome.counts_by_severity()
    sections = []
    for severity in Severity:
        shown = []
        for group in (g for g in groups if g["severity"] == severity.value):
            first = group["samples"][0]["message"] if group["samples"] else None
            behind = [(cause["stop_id"], cause["by_code"].get(group["code"], 0)) for cause in causes]
            shown.append({
                "code": group["code"], "count": group["count"], "source": group["source"], "files": group["files"],
                "blocking_count": group["blocking_count"], "waived_count": group["waived_count"],
                "explanation": explain(group["code"], first, words), "advice": advice(group["code"], words),
                "table": sample_table(group["samples"], group["code"], words),
                "causes": [words.say(N_("%(count)s of them name stop %(stop)s."), count=count, stop=stop)
                           for stop, count in behind if count],
                "more": (words.say(N_("Showing the first %(shown)s of %(count)s; the JSON report has the same "
                                      "samples, the full list comes from running the validation again."),
                                   shown=len(group["samples"]), count=group["count"])
                         if group["count"] > len(group["samples"]) else None),
            })
        sections.append({"severity": severity.value, "name": words.say(SEVERITY_NAMES[severity.value]),
                         "explanation": words.say(SEVERITY_EXPLANATIONS[severity.value]),
                         "count_text": words.say_n(SEVERITY_COUNTS[severity.value], counts.get(severity.value, 0)),
                         "groups": shown})
    return sections


def _script_words(words: Words) -> dict[str, str]:
    """The words report.js shows, in the page's language."""
    return {
        "no_name": words.say(N_("(no name)")), "stop_id": words.say(N_("stop id")),
        "findings_one": words.say(N_("1 finding")), "findings_many": words.say(N_("%(count)s findings"), count=0)
        .replace("0", "{n}", 1), "all_waived": words.say(N_("(all waived)")),
        "no_stops": words.say(N_("No stop with coordinates.")),
        "no_map": words.say(N_("The map library could not be loaded.")),
        "no_chart": words.say(N_("The chart library could not be loaded; see the table below.")),
        "score": words.say(N_("Score (0 to 100)")), "errors": words.say(N_("Errors")),
        "accepted": words.say(N_("accepted")), "blocked": words.say(N_("blocked")),
        "this_version": words.say(N_("(this version)")), "outlier": words.say(N_("far from the other stops")),
    }


def _facts(outcome: ValidationOutcome, operator_name: str | None, publication: Publication | None,
           days_left: int | None, words: Words) -> list[dict[str, Any]]:
    facts: list[dict[str, Any]] = []
    if publication is not None and publication.regional_feed:
        facts.append({"label": words.say(N_("Publisher")), "text": publication.publisher or "—"})
        facts.append({"label": words.say(N_("Feed version")), "code": publication.feed_version or "—"})
    else:
        facts.append({"label": words.say(N_("Operator")), "text": operator_name or outcome.operator_id or "—",
                      "code": outcome.operator_id if operator_name and outcome.operator_id else None})
    if outcome.content_hash:
        facts.append({"label": words.say(N_("Version")), "code": short_hash(outcome.content_hash),
                      "title": outcome.content_hash})
    facts.append({"label": words.say(N_("Validation date")), "text": words.day(outcome.validation_date)})
    if outcome.feed_start or outcome.feed_end:
        period = words.say(N_("%(start)s to %(end)s"), start=words.day(outcome.feed_start) if outcome.feed_start else "?",
                           end=words.day(outcome.feed_end) if outcome.feed_end else "?")
        if days_left is not None:
            period += " " + (words.say_n(N_plural("(ended %(count)s day before the validation date)",
                                                  "(ended %(count)s days before the validation date)"), -days_left)
                             if days_left < 0 else
                             words.say_n(N_plural("(%(count)s day left after the validation date)",
                                                  "(%(count)s days left after the validation date)"), days_left))
    else:
        period = words.say(N_("unknown"))
    facts.append({"label": words.say(N_("Service period")), "text": period, "expired": days_left is not None and days_left < 0})
    if outcome.engine:
        facts.append({"label": words.say(N_("Validator")), "text": f"{outcome.engine} {outcome.engine_version}".strip()})
    return facts


def report_files(path: Path, languages: Sequence[str] | None) -> dict[str, Path]:
    """language -> the file of that language's page (see the module docstring)."""
    ordered = page_languages(languages)
    return {language: path.with_name(page_name(path.name, language, ordered)) for language in ordered}


def write_report_html(
    outcome: ValidationOutcome,
    path: Path,
    *,
    history: Sequence[Mapping[str, Any]] = (),
    settings: ReportSettings | None = None,
    title: str = "Feed quality report",
    operator_name: str | None = None,
    static_dir: Path | None = None,
    languages: Sequence[str] | None = None,
    publication: Publication | None = None,
    data_dir: Path | None = None,
) -> list[Path]:
    """Write the report a person reads to `path` (and its other languages beside it: see the
    module docstring), atomic, UTF-8, and copy the static files into `static_dir` (default:
    `static/` next to the page). Returns the files written, main language first.

    history: past versions, each {"version", "validated_at", "score", "errors", "accepted"}; this
    version is added unless its hash is already there. settings: map tiles (off unless
    `tile_url` is set) and samples per code. title: the page's title (the operator, feed and
    version as the caller names them). operator_name: shown beside the operator id.
    publication: what the verdict may claim (`Publication`); for the regional feeds (operator id
    "region") it is read from the feed when not given. data_dir: the pool's data directory, for
    the links to the overview, the fees and the downloads (default: worked out from a
    `static_dir` of the pool's layout, `<data>/reports/static`; no links otherwise)."""
    settings = settings or ReportSettings()
    path = Path(path)
    if data_dir is None and static_dir is not None and Path(static_dir).name == "static" \
            and Path(static_dir).parent.name == "reports":
        data_dir = Path(static_dir).parent.parent  # the pool's layout: <data>/reports/static
    static_dir = Path(static_dir) if static_dir is not None else path.parent / "static"
    if publication is None and outcome.operator_id == "region":
        publication = regional_feed_publication(outcome.feed_path, outcome.feed_id)
    pool_columns: list[str] = []
    if publication is not None and publication.regional_feed:
        outcome, pool_columns = _without_pool_columns(outcome)
    counts = outcome.counts_by_severity()
    groups = findings(outcome, samples=settings.samples_per_notice)
    flags = stop_flags(outcome)
    layer = map_layer(outcome, flags)
    flagged = flagged_stop_rows(outcome, flags)
    versions = _history(history, outcome, outcome.score.total if outcome.score else None)
    days_left = (outcome.feed_end - outcome.validation_date).days if outcome.feed_end else None
    tiles = {"url": settings.tile_url, "attribution": settings.tile_attribution} if settings.tile_url else None
    blocking_total = sum(group["blocking_count"] for group in groups)
    files = report_files(path, languages)
    ordered = list(files)
    for language, target in files.items():
        words = Words(language)
        causes = _cause_lines(outcome, layer, words)
        data = {"map": {**layer, "tiles": tiles}, "history": versions, "words": _script_words(words)}
        page = _environment(language).get_template("report.html").render(
            title=_title(title, publication, words),
            csp=_csp(settings.tile_url),
            static=_static_href(target, static_dir),
            languages=language_links(path.name, language, ordered),
            nav=site_nav(target, data_dir, language=language, languages=ordered) if data_dir else [],
            outcome=outcome,
            subtitle=_subtitle(outcome, operator_name, publication, words),
            verdict=verdict(outcome),
            verdict_lines=_verdict_lines(outcome, publication, blocking_total, days_left, words),
            facts=_facts(outcome, operator_name, publication, days_left, words),
            count_texts=[(severity.value, words.say_n(SEVERITY_COUNTS[severity.value], counts.get(severity.value, 0)))
                         for severity in Severity],
            waived_total=sum(group["waived_count"] for group in groups),
            blocking_total=blocking_total,
            pool_columns=pool_columns,
            score=_score_context(outcome, words),
            causes=causes,
            sections=_sections(outcome, groups, causes, words),
            flagged=flagged[:MAX_FLAGGED_ROWS],
            flagged_total=len(flagged),
            severity_names={key: words.say(value) for key, value in SEVERITY_NAMES.items()},
            stops_shown=len(layer["stops"]),
            stops_without_coordinates=layer["without_coordinates"],
            outliers=[{**item, "distance_text": words.number(item["distance_km"], 0)} for item in layer["outliers"]],
            tiles=tiles,
            versions=[{**row, "score_text": score_text(row["score"], words),
                       "day_text": words.day(row["validated_at"]) if row["validated_at"] else "—"} for row in versions],
            data_json=Markup(script_json(data)),  # script_json escapes <, >, & for a script block
        )
        write_atomic_text(target, page)
    copy_static(static_dir)
    return list(files.values())


def _title(title: str, publication: Publication | None, words: Words) -> str:
    """The caller's title; a regional feed's says in the page's language which feed of whose pool it is."""
    if publication is None or not publication.regional_feed or not publication.publisher:
        return title
    feed = words.say(FEED_NAMES.get(publication.regional_feed, N_("regional feed")))
    return f"{publication.publisher}: {feed}"


def _subtitle(outcome: ValidationOutcome, operator_name: str | None, publication: Publication | None,
              words: Words) -> list[str]:
    parts = []
    if publication is not None and publication.regional_feed:
        parts.append(words.say(FEED_NAMES.get(publication.regional_feed, N_("regional feed"))).capitalize())
        if publication.feed_version:
            parts.append(words.say(N_("version %(version)s"), version=publication.feed_version))
    else:
        who = operator_name or outcome.operator_id or words.say(N_("unknown operator"))
        parts.append(f"{who} ({outcome.operator_id})" if operator_name and outcome.operator_id else who)
        if outcome.feed_id:
            parts.append(words.say(N_("feed %(feed)s"), feed=outcome.feed_id))
        parts.append(words.say(N_("version %(version)s"), version=short_hash(outcome.content_hash) or "—"))
    parts.append(words.say(N_("validated for %(day)s"), day=words.day(outcome.validation_date)))
    return parts
