"""Fee statements and the regional fee summary as files: JSON for machines, printable HTML for people.

    write_fee_statement_json(statement, path)
    write_fee_statement_html(statement, path)
    write_region_summary_json(summary, path, what_if=None)
    write_region_summary_html(summary, path, what_if=None, statement_links=None)

The JSON is `to_dict()` written as strict JSON (no NaN). Each HTML page stands alone: Jinja2 with
autoescape renders `templates/` on the pages' shared base (`regie.pages.jinja_environment`), the
stylesheet (`templates/fees.css`, A4 with `@media print`) is inlined and allowed by its sha256 in
the page's Content-Security-Policy; no script runs. Writes are atomic (a reader sees the old file
or the new one).
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from regie.fees.region import RegionSummary
from regie.fees.results import FeeError, FeeStatement
from regie.fees.tiers.amounts import format_eur
from regie.gtfs.atomic import write_atomic_text
from regie.pages.encode import dumps
from regie.pages.jinja_environment import page_environment
from regie.pages.links import relative_link

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
KIND_LABELS = {"timetable": "timetable operators (network size × ridership)",
               "bike_share": "bike and car share (operators without timetables)"}


def _eur(cents: Any) -> str:
    if cents is None or isinstance(cents, bool) or not isinstance(cents, int):
        return "—"
    return format_eur(cents)


def _signed_eur(cents: Any) -> str:
    text = _eur(cents)
    return f"+{text}" if isinstance(cents, int) and not isinstance(cents, bool) and cents > 0 else text


def _figure(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        if value.is_integer():
            return f"{int(value):,}"
        text = f"{value:,.2f}"
        return text.rstrip("0").rstrip(".")
    return str(value)


@cache
def _environment() -> jinja2.Environment:
    return page_environment(TEMPLATES_DIR, {"eur": _eur, "signed_eur": _signed_eur, "figure": _figure})


@cache
def _css() -> tuple[Markup, str]:
    """The stylesheet (inlined) and its CSP source `'sha256-…'`."""
    css = (TEMPLATES_DIR / "fees.css").read_text(encoding="utf-8")
    if "</" in css:
        raise ValueError("fees.css must not contain '</' (it is inlined in a <style> element)")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return Markup(css), f"'sha256-{digest}'"  # our own stylesheet, checked above


def _render(template: str, **context: Any) -> str:
    css, css_source = _css()
    csp = f"default-src 'none'; style-src {css_source}; img-src data:; base-uri 'none'; form-action 'none'"
    generated = context.pop("generated", None) or date.today()
    return _environment().get_template(template).render(css=css, csp=csp, generated=generated.isoformat(), **context)


def write_fee_statement_json(statement: FeeStatement | FeeError, path: Path) -> None:
    """Write `statement.to_dict()` as indented strict JSON (UTF-8, atomic). A FeeError is written
    the same way, so the operator's file says why there is no fee."""
    write_atomic_text(Path(path), dumps(statement.to_dict(), indent=2) + "\n")


def write_fee_statement_html(statement: FeeStatement, path: Path, *, generated: date | None = None) -> None:
    """Write the printable statement (A4): the operator, the year, the amount in EUR, each bracket
    with its explanation, the rule, the pro rata and rounding, the inputs and both hashes."""
    if not isinstance(statement, FeeStatement):
        raise TypeError(f"a fee statement page needs a FeeStatement, got {type(statement).__name__}")
    data = statement.to_dict()
    metrics_source = ("GBFS feed (stations, vehicles)" if statement.kind == "bike_share"
                      else "accepted timetable, annualised")
    page = _render(
        "statement.html",
        title=f"Integration fee {statement.fee_year}: {statement.operator_name}",
        s=data, kind_label=KIND_LABELS.get(statement.kind, statement.kind), metrics_source=metrics_source,
        tiers_hash=statement.tiers_hash, generated=generated,
    )
    write_atomic_text(Path(path), page)


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
) -> None:
    """Write the region's fee page: total against the budget (coverage), each operator's brackets
    and fee, the operators without a fee and why, operators per bracket and, when given, the
    what-if comparison (rows of `what_if()`). statement_links: operator id → relative link to its
    statement page (absolute URLs are not linked)."""
    data = _region_dict(summary, what_if)
    links = {operator_id: link for operator_id, raw in (statement_links or {}).items()
             if (link := relative_link(raw)) is not None}
    title = f"{region_name + ': ' if region_name else ''}integration fees {summary.fee_year or ''}".strip()
    page = _render(
        "region.html",
        title=title[0].upper() + title[1:],
        r=data, links=links, coverage_pct=f"{summary.coverage:.1%}",
        what_if=data.get("what_if"), what_if_totals=data.get("what_if_totals"),
        tiers_hash=summary.tiers_hash, generated=generated,
    )
    write_atomic_text(Path(path), page)
