"""Fee statements and the regional fee summary as files: JSON for machines, printable HTML for people.

    write_fee_statement_json(statement, path)
    write_fee_statement_html(statement, path, *, languages=None, data_dir=None)
    write_region_summary_json(summary, path, what_if=None)
    write_region_summary_html(summary, path, what_if=None, statement_links=None, languages=None, data_dir=None)

The JSON is `to_dict()` written as strict JSON (no NaN). Each HTML page stands alone: Jinja2 with
autoescape renders `templates/` on the pages' shared base (`regie.pages.jinja_environment`), the
stylesheet (`templates/fees.css`, A4 with `@media print`) is inlined and allowed by its sha256 in
the page's Content-Security-Policy; no script runs. Writes are atomic (a reader sees the old file
or the new one).

Every figure is said in words and units in the page's language (METRIC_LABELS, CONTEXT_LABELS,
FLAG_LABELS; amounts in the language's currency format): one file per language of `languages`
(`regie.pages.i18n.page_name`: `summary.html`, `summary.fr.html`...) with a language switch.
What the fee results carry (annualising, what-if) is rendered as they give it; the operators'
and brackets' names are the configuration's, shown as written.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from babel.numbers import format_currency
from markupsafe import Markup

from regie.fees.region import RegionSummary
from regie.fees.results import FeeError, FeeStatement
from regie.gtfs.atomic import write_atomic_text
from regie.pages.encode import dumps
from regie.pages.i18n import N_, language_links, page_languages, page_name
from regie.pages.jinja_environment import page_environment
from regie.pages.links import relative_link
from regie.pages.navigation import site_nav
from regie.pages.words import Words

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
KIND_LABELS = {"timetable": N_("timetable operators (network size × ridership)"),
               "bike_share": N_("bike and car share (operators without timetables)")}
METRIC_LABELS = {
    "vehicle_km": N_("Vehicle-kilometres a year"), "service_hours": N_("Service hours a year"),
    "trips": N_("Trips a year"), "stops_served": N_("Stops served"), "routes": N_("Routes"),
    "boardings": N_("Boardings a year"), "stations": N_("Stations"), "vehicles": N_("Vehicles"),
}
METRIC_UNITS = {
    "vehicle_km": N_("vehicle-km"), "service_hours": N_("hours"), "trips": N_("trips"),
    "stops_served": N_("stops"), "routes": N_("routes"), "boardings": N_("boardings"),
    "stations": N_("stations"), "vehicles": N_("vehicles"),
}
CONTEXT_LABELS = {
    "fee_year": N_("Fee year"), "days_in_year": N_("Days in the fee year"),
    "covered_days": N_("Days with service in the fee year"), "covered_from": N_("First service day in the fee year"),
    "covered_to": N_("Last service day in the fee year"), "scale_factor": N_("Annualising factor"),
    "coverage": N_("Share of the fee year with service"), "basis": N_("Measured over"),
    "measured_from": N_("Measured from"), "measured_to": N_("Measured until"), "measured_days": N_("Days measured"),
    "vehicle_km_method": N_("How vehicle-km are measured"), "version": N_("GBFS version"),
    "snapshot_at": N_("Snapshot taken at"),
}
BASIS_WORDS = {"fee_year": N_("the fee year's service days"),
               "service_period": N_("the feed's whole service period (up to a year), then annualised")}
FLAG_LABELS = {
    "metrics_scaled": N_("Figures annualised"), "measured_over_service_period": N_("Measured over the service period"),
    "estimated_ridership": N_("Estimated ridership"), "zero_metric": N_("A figure is zero"),
    "metrics_warning": N_("Measurement warning"), "pro_rata": N_("Pro rata"),
}
ERROR_LABELS = {
    "no_service_in_year": N_("No service in the fee year"), "missing_metrics": N_("Figures missing"),
    "missing_ridership": N_("Ridership not declared"), "stale_ridership": N_("Ridership too old"),
    "future_ridership": N_("Ridership of a later year"), "not_a_member": N_("Not a member that year"),
    "no_bike_share_table": N_("No bike share table"), "beyond_last_bracket": N_("Above the last bracket"),
    "zero_fee": N_("The fee comes to zero"), "metrics_year_mismatch": N_("Figures of another year"),
    "invalid_metric": N_("A figure is not a number"),
    "no_version_in_force": N_("No timetable version in force"), "unknown_kind": N_("Unknown kind of operator"),
}


def _words_of(words: Words) -> dict[str, Any]:
    """The filters of one language's fee pages."""
    def eur(cents: Any) -> str:
        if cents is None or isinstance(cents, bool) or not isinstance(cents, int):
            return "—"
        # the ISO code after the figure in every language ("1,500.00 EUR", "1 500,00 EUR"), as statements are read
        return format_currency(Decimal(cents) / 100, "EUR", format="#,##0.00 ¤¤", locale=words.language,
                               currency_digits=False)

    def signed_eur(cents: Any) -> str:
        text = eur(cents)
        return f"+{text}" if isinstance(cents, int) and not isinstance(cents, bool) and cents > 0 else text

    def figure(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return words.value(value, 2) if value is not None else "—"

    return {"eur": eur, "signed_eur": signed_eur, "figure": figure}


@cache
def _environment(language: str) -> jinja2.Environment:
    words = Words(language)
    return page_environment(TEMPLATES_DIR, _words_of(words), language=language)


@cache
def _css() -> tuple[Markup, str]:
    """The stylesheet (inlined) and its CSP source `'sha256-…'`."""
    css = (TEMPLATES_DIR / "fees.css").read_text(encoding="utf-8")
    if "</" in css:
        raise ValueError("fees.css must not contain '</' (it is inlined in a <style> element)")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return Markup(css), f"'sha256-{digest}'"  # our own stylesheet, checked above


def _render(template: str, language: str, **context: Any) -> str:
    css, css_source = _css()
    csp = f"default-src 'none'; style-src {css_source}; img-src data:; base-uri 'none'; form-action 'none'"
    generated = context.pop("generated", None) or date.today()
    return _environment(language).get_template(template).render(
        css=css, csp=csp, generated=Words(language).day(generated), **context)


def _fees_data_dir(path: Path) -> Path | None:
    """The pool's data directory when `path` is in its layout, `<data>/fees/<year>/<page>`."""
    year = Path(path).parent
    return year.parent.parent if year.name.isdigit() and year.parent.name == "fees" else None


def _files(path: Path, languages: Sequence[str] | None) -> dict[str, Path]:
    ordered = page_languages(languages)
    return {language: path.with_name(page_name(path.name, language, ordered)) for language in ordered}


def _context_value(key: str, value: Any, words: Words) -> str:
    if key == "basis" and value in BASIS_WORDS:
        return words.say(BASIS_WORDS[value])
    if key == "snapshot_at" and isinstance(value, str):
        try:
            return words.value(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    if key in ("covered_from", "covered_to", "measured_from", "measured_to") and isinstance(value, str):
        return words.day(value)
    if key == "coverage" and isinstance(value, int | float) and not isinstance(value, bool):
        return words.percent(100.0 * float(value), 1)
    if key == "scale_factor" and isinstance(value, int | float) and not isinstance(value, bool):
        return "× " + words.number(float(value), 3)
    if key == "fee_year":
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return words.value(value, 2)


def _rule_part(what: str, labels: Mapping[Any, Any], words: Words) -> str:
    """A part of the fee rule as the tiers name it ("matrix cell size S2 × ridership R2", "base",
    "size S3 supplement", "bike share B1"), in the page's language with the tiers' dimension labels."""
    def label(dimension: str) -> str:
        return str(labels.get(dimension) or dimension)

    if match := re.fullmatch(r"matrix cell (\S+) (\S+) × (\S+) (\S+)", what):
        return words.say(N_("%(row)s %(row_bracket)s × %(column)s %(column_bracket)s (a cell of the fee table)"),
                         row=label(match[1]), row_bracket=match[2], column=label(match[3]), column_bracket=match[4])
    if what == "base":
        return words.say(N_("Base amount"))
    if match := re.fullmatch(r"(\S+) (\S+) supplement", what):
        return words.say(N_("Supplement for %(dimension)s %(bracket)s"), dimension=label(match[1]), bracket=match[2])
    if match := re.fullmatch(r"bike share (\S+)", what):
        return words.say(N_("Bike share bracket %(bracket)s"), bracket=match[1])
    return what


def _flag_sentence(flag: Mapping[str, Any], data: Mapping[str, Any], words: Words) -> str | None:
    """The flags whose figures the statement carries, said in the page's language (None: the
    flag's own message is shown as the fee computation wrote it)."""
    context = (data.get("inputs") or {}).get("metrics_context") or {}
    year = str(data.get("fee_year", ""))
    code = flag.get("code")
    if code == "measured_over_service_period" and context.get("measured_from") and context.get("measured_days"):
        return words.say(N_("The feed covers %(covered)s days of %(year)s, so its whole service period, %(start)s to "
                            "%(end)s (%(days)s days), was measured and annualised (× %(scale)s)."),
                         covered=_context_value("covered_days", context.get("covered_days"), words), year=year,
                         start=words.day(context["measured_from"]), end=words.day(context.get("measured_to")),
                         days=_context_value("measured_days", context["measured_days"], words),
                         scale=words.number(float(context.get("scale_factor") or 1), 3))
    if code == "metrics_scaled" and context.get("scale_factor") is not None:
        return words.say(N_("The figures were annualised from %(covered)s days with service in %(year)s (× %(scale)s): "
                            "the feed does not cover the whole year."),
                         covered=_context_value("covered_days", context.get("covered_days"), words), year=year,
                         scale=words.number(float(context["scale_factor"]), 3))
    pro_rata = data.get("pro_rata") or {}
    if code == "pro_rata" and pro_rata.get("period_start"):
        return words.say(N_("Member from %(start)s to %(end)s (both included): %(days)s of %(total)s days, factor "
                            "%(factor)s."), start=words.day(pro_rata["period_start"]),
                         end=words.day(pro_rata.get("period_end")), days=int(pro_rata.get("days") or 0),
                         total=int(pro_rata.get("days_in_year") or 0), factor=pro_rata.get("factor"))
    return None


def statement_view(data: Mapping[str, Any], words: Words) -> dict[str, Any]:
    """The labels and values of one statement in words (every figure with its unit)."""
    brackets = []
    for placement in data.get("brackets", []):
        metric = placement.get("metric")
        unit = words.say(METRIC_UNITS[metric]) if metric in METRIC_UNITS else str(placement.get("unit") or "")
        value = placement.get("value")
        figure = words.value(int(value) if isinstance(value, float) and value.is_integer() else value, 0)
        lower, upper = placement.get("from"), placement.get("to")
        bound = (lambda x: words.value(int(x) if isinstance(x, float) and x.is_integer() else x, 0))
        why = (words.say(N_("%(value)s %(unit)s is at least %(lower)s and below %(upper)s: bracket %(bracket)s."),
                         value=figure, unit=unit, lower=bound(lower), upper=bound(upper), bracket=placement.get("bracket"))
               if upper is not None else
               words.say(N_("%(value)s %(unit)s is at least %(lower)s (the last bracket): bracket %(bracket)s."),
                         value=figure, unit=unit, lower=bound(lower), bracket=placement.get("bracket")))
        brackets.append({"label": placement.get("label"), "figure": f"{figure} {unit}", "bracket": placement.get("bracket"),
                         "why": why})
    inputs = data.get("inputs") or {}
    def with_unit(name: str, value: Any) -> str:
        unit = words.say(METRIC_UNITS[name]) if name in METRIC_UNITS else ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = words.number(float(value), 1 if name == "service_hours" else 0)
        else:
            text = _context_value(name, value, words)
        return f"{text} {unit}".strip()

    metrics = [{"label": words.say(METRIC_LABELS.get(name, name)), "value": with_unit(name, value)}
               for name, value in (inputs.get("metrics") or {}).items()]
    measured = [with_unit(name, value) for name, value in (inputs.get("measured") or {}).items()]
    context = [{"label": words.say(CONTEXT_LABELS[key]), "value": _context_value(key, value, words)}
               for key, value in (inputs.get("metrics_context") or {}).items() if key in CONTEXT_LABELS and value is not None]
    flags = [{"label": words.say(FLAG_LABELS[flag["code"]]) if flag.get("code") in FLAG_LABELS
              else str(flag.get("code", "")).replace("_", " ").capitalize(),
              "message": _flag_sentence(flag, data, words) or flag.get("message")}
             for flag in data.get("flags", [])]
    labels = {placement.get("dimension"): placement.get("label") for placement in data.get("brackets", [])}
    rule_parts = [{"what": _rule_part(str(part.get("what", "")), labels, words), "amount_cents": part.get("amount_cents")}
                  for part in (data.get("rule") or {}).get("parts", [])]
    snapshot = (inputs.get("metrics_context") or {}).get("snapshot_at")
    return {"brackets": brackets, "rule_parts": rule_parts, "metrics": metrics, "measured": measured,
            "context": context, "flags": flags,
            "snapshot": _context_value("snapshot_at", snapshot, words) if snapshot else None,
            "bike_share": data.get("kind") == "bike_share"}


def write_fee_statement_json(statement: FeeStatement | FeeError, path: Path) -> None:
    """Write `statement.to_dict()` as indented strict JSON (UTF-8, atomic). A FeeError is written
    the same way, so the operator's file says why there is no fee."""
    write_atomic_text(Path(path), dumps(statement.to_dict(), indent=2) + "\n")


def write_fee_statement_html(statement: FeeStatement, path: Path, *, generated: date | None = None,
                             languages: Sequence[str] | None = None, data_dir: Path | None = None) -> list[Path]:
    """Write the printable statement (A4), one file per language: the operator, the year, the amount,
    each bracket with why, the rule, the pro rata and rounding, the inputs in words and units and
    both hashes (a bike share's snapshot as the time it was taken). data_dir: the pool's data
    directory, for the links to the overview and the fees (default: worked out from a `path` in
    the pool's layout, `<data>/fees/<year>/`). Returns the files written."""
    if not isinstance(statement, FeeStatement):
        raise TypeError(f"a fee statement page needs a FeeStatement, got {type(statement).__name__}")
    data = statement.to_dict()
    data_dir = data_dir if data_dir is not None else _fees_data_dir(Path(path))
    files = _files(Path(path), languages)
    ordered = list(files)
    for language, target in files.items():
        words = Words(language)
        view = statement_view(data, words)
        metrics_source = words.say(N_("GBFS feed (stations, vehicles)") if statement.kind == "bike_share"
                                   else N_("the timetable in force"))
        page = _render(
            "statement.html", language,
            title=words.say(N_("Integration fee %(year)s: %(operator)s"), year=str(statement.fee_year),
                            operator=statement.operator_name),
            s=data, v=view, kind_label=words.say(KIND_LABELS.get(statement.kind, statement.kind)),
            metrics_source=metrics_source, tiers_hash=statement.tiers_hash, generated=generated,
            languages=language_links(Path(path).name, language, ordered),
            nav=site_nav(target, data_dir, language=language, languages=ordered) if data_dir else [],
        )
        write_atomic_text(target, page)
    return list(files.values())


def _region_dict(summary: RegionSummary, what_if: Sequence[Mapping[str, Any]] | None) -> dict[str, Any]:
    data = summary.to_dict()
    if what_if is not None:
        data["what_if"] = [dict(row) for row in what_if]
        data["what_if_totals"] = _what_if_totals(what_if)
    return data


def _what_if_totals(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Each column's total over the operators that have a fee in it; difference = after - before."""
    before = sum(row["before_cents"] for row in rows if row.get("before_cents") is not None)
    after = sum(row["after_cents"] for row in rows if row.get("after_cents") is not None)
    return {"before": before, "after": after, "difference": after - before}


def write_region_summary_json(summary: RegionSummary, path: Path, what_if: Sequence[Mapping[str, Any]] | None = None) -> None:
    """Write `summary.to_dict()` (plus "what_if" rows and "what_if_totals" when given) as strict JSON."""
    write_atomic_text(Path(path), dumps(_region_dict(summary, what_if), indent=2) + "\n")


def write_region_summary_html(
    summary: RegionSummary,
    path: Path,
    what_if: Sequence[Mapping[str, Any]] | None = None,
    *,
    statement_links: Mapping[str, str] | None = None,
    region_name: str | None = None,
    generated: date | None = None,
    languages: Sequence[str] | None = None,
    data_dir: Path | None = None,
) -> list[Path]:
    """Write the region's fee page, one file per language: total against the budget (coverage),
    each operator's brackets and fee, the operators without a fee and why, operators per bracket
    and, when given, the what-if comparison (rows of `what_if()`). statement_links: operator id →
    relative link to its statement page in the main language (absolute URLs are not linked; the
    other languages link to the statement's page in their language). Returns the files written."""
    data = _region_dict(summary, what_if)
    data_dir = data_dir if data_dir is not None else _fees_data_dir(Path(path))
    links = {operator_id: link for operator_id, raw in (statement_links or {}).items()
             if (link := relative_link(raw)) is not None}
    files = _files(Path(path), languages)
    ordered = list(files)
    for language, target in files.items():
        words = Words(language)
        title = (words.say(N_("%(region)s: integration fees %(year)s"), region=region_name, year=str(summary.fee_year or ""))
                 if region_name else words.say(N_("Integration fees %(year)s"), year=str(summary.fee_year or "")))
        localised = {operator_id: page_name(link, language, ordered) for operator_id, link in links.items()}
        errors = [{**error, "label": words.say(ERROR_LABELS[error["code"]]) if error.get("code") in ERROR_LABELS
                   else str(error.get("code", "")).replace("_", " ").capitalize()} for error in data["errors"]]
        flags = {row["operator_id"]: [words.say(FLAG_LABELS[code]) if code in FLAG_LABELS else code.replace("_", " ")
                                      for code in row["flags"]] for row in data["operators"]}
        dimensions = {placement.dimension: placement.label for statement in summary.statements
                      for placement in statement.placements}  # the tiers' own labels, as written there
        page = _render(
            "region.html", language, dimensions=dimensions,
            title=title.strip(),
            r=data, links=localised, coverage_pct=words.percent(100.0 * summary.coverage, 1), errors=errors,
            flags=flags, what_if=data.get("what_if"), what_if_totals=data.get("what_if_totals"),
            tiers_hash=summary.tiers_hash, generated=generated,
            languages=language_links(Path(path).name, language, ordered),
            nav=site_nav(target, data_dir, language=language, languages=ordered) if data_dir else [],
        )
        write_atomic_text(target, page)
    return list(files.values())
