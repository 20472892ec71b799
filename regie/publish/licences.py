"""The licence of the regional open feed, derived from its operators' licences, and the attribution
file that names every operator and its licence.

The rule, applied to the licences of the operators in the open feed:
1. Every licence must allow redistribution. SPDX licences with NonCommercial or NoDerivatives
   terms do not (a merged feed is a derivative), nor does a named licence (`LicenseRef-...`)
   whose terms in `region.yaml` (`publish.licences`) are missing or say `redistribution: false`:
   such an operator cannot be open, and publishing stops with an error naming it.
2. Any share-alike licence (ODbL, CC-BY-SA, a named licence with `share_alike: true`) makes the
   regional feed share-alike under that licence; two different share-alike licences cannot be
   combined (error naming both operators).
3. Otherwise the most restrictive attribution licence wins (by `ATTRIBUTION_RANK`: CC-BY-4.0
   above etalab-2.0 above ODC-By-1.0 ...); with no attribution licence at all, CC0-1.0.
Attribution is always given to every operator, whatever the regional licence.
"""

from __future__ import annotations

from dataclasses import dataclass

from regie.config.region import LicenceTerms

SPDX_BASE = "http://spdx.org/licenses/"

PUBLIC_DOMAIN = {"CC0-1.0", "PDDL-1.0", "Unlicense"}
SHARE_ALIKE = {"ODbL-1.0", "CC-BY-SA-4.0", "CC-BY-SA-3.0", "CC-BY-SA-2.0"}
# attribution-only licences, heavier obligations last; the regional feed takes the highest present
ATTRIBUTION_RANK = ["ODC-By-1.0", "etalab-2.0", "OGL-UK-3.0", "DL-DE-BY-2.0", "CC-BY-3.0", "CC-BY-4.0"]
LICENCE_NAMES = {
    "CC0-1.0": "Creative Commons Zero v1.0 Universal",
    "PDDL-1.0": "Open Data Commons Public Domain Dedication & License 1.0",
    "Unlicense": "The Unlicense",
    "ODbL-1.0": "Open Data Commons Open Database License v1.0",
    "CC-BY-SA-4.0": "Creative Commons Attribution Share Alike 4.0 International",
    "CC-BY-SA-3.0": "Creative Commons Attribution Share Alike 3.0 Unported",
    "CC-BY-SA-2.0": "Creative Commons Attribution Share Alike 2.0 Generic",
    "ODC-By-1.0": "Open Data Commons Attribution License v1.0",
    "etalab-2.0": "Etalab Open License 2.0",
    "OGL-UK-3.0": "Open Government Licence v3.0",
    "DL-DE-BY-2.0": "Data licence Germany – attribution – version 2.0",
    "CC-BY-3.0": "Creative Commons Attribution 3.0 Unported",
    "CC-BY-4.0": "Creative Commons Attribution 4.0 International",
}


class LicenceError(ValueError):
    """The open operators' licences cannot be published together."""


@dataclass(frozen=True)
class Licence:
    """One licence as the catalogue and the attribution file state it."""

    id: str  # SPDX id or LicenseRef-...
    name: str
    url: str | None  # SPDX URI, or the named licence's declared url
    attribution: bool
    share_alike: bool


@dataclass(frozen=True)
class OperatorLicence:
    operator_id: str
    operator_name: str
    licence: Licence


def describe(licence_id: str, terms: dict[str, LicenceTerms], *, operator: str) -> Licence:
    """`licence_id` classified; LicenceError naming `operator` when it does not allow republishing."""
    if licence_id.startswith("LicenseRef-"):
        declared = terms.get(licence_id)
        if declared is None or not declared.redistribution:
            why = ("its terms say redistribution: false" if declared else
                   "no terms for it under publish.licences in region.yaml")
            raise LicenceError(f"operator {operator!r}: licence {licence_id} does not allow redistribution "
                               f"({why}); it cannot be open")
        return Licence(licence_id, declared.name, str(declared.url) if declared.url else None,
                       declared.attribution, declared.share_alike)
    if "-NC" in licence_id or "-ND" in licence_id:
        raise LicenceError(f"operator {operator!r}: licence {licence_id} forbids commercial re-use or "
                           "derivatives; its data cannot be merged into an open feed")
    known = licence_id in PUBLIC_DOMAIN or licence_id in SHARE_ALIKE or licence_id in ATTRIBUTION_RANK
    if not known:
        raise LicenceError(f"operator {operator!r}: licence {licence_id} is not one the pool knows how to "
                           "combine; declare it as a LicenseRef- with its terms under publish.licences")
    return Licence(licence_id, LICENCE_NAMES[licence_id], SPDX_BASE + licence_id,
                   attribution=licence_id not in PUBLIC_DOMAIN, share_alike=licence_id in SHARE_ALIKE)


def regional_licence(operators: list[OperatorLicence]) -> Licence:
    """The licence of the feed that merges `operators` (see the module's rule)."""
    share_alike = {entry.licence.id: entry for entry in operators if entry.licence.share_alike}
    if len(share_alike) > 1:
        names = ", ".join(f"{entry.operator_id} ({licence_id})" for licence_id, entry in sorted(share_alike.items()))
        raise LicenceError(f"different share-alike licences cannot be combined in one open feed: {names}")
    if share_alike:
        return next(iter(share_alike.values())).licence
    attribution = [entry.licence for entry in operators if entry.licence.attribution]
    if attribution:
        ranked = {licence.id: licence for licence in attribution}
        best = max(ranked, key=lambda licence_id: (_rank(licence_id), licence_id))
        return ranked[best]
    return Licence("CC0-1.0", LICENCE_NAMES["CC0-1.0"], SPDX_BASE + "CC0-1.0", attribution=False, share_alike=False)


def _rank(licence_id: str) -> int:
    """Attribution-only licences by weight; named licences with attribution rank above them all."""
    return ATTRIBUTION_RANK.index(licence_id) if licence_id in ATTRIBUTION_RANK else len(ATTRIBUTION_RANK)


def rights_statement(licence: Licence, operators: list[OperatorLicence]) -> str:
    """The dct:rights text of the regional datasets."""
    duty = ("Share-alike: adapted databases must be published under the same licence. " if licence.share_alike else "")
    names = ", ".join(entry.operator_name for entry in operators)
    return (f"Published under {licence.name} ({licence.id}). {duty}"
            f"Attribution to the pool and to every operator is required: {names}.")


def attribution_text(region_name: str, publisher: str, licence: Licence, operators: list[OperatorLicence]) -> str:
    """ATTRIBUTION.txt: who made the data and under which licence each part is published."""
    lines = [
        f"{region_name}: open data release",
        f"Published by {publisher}.",
        "",
        f"Regional feed licence: {licence.name} ({licence.id}){' ' + licence.url if licence.url else ''}",
        "Rule: any share-alike licence makes the regional feed share-alike; otherwise the most",
        "restrictive attribution licence applies; an operator whose licence does not allow",
        "redistribution is never published.",
        "",
        "Operators (each operator's own feed is published under its own licence):",
    ]
    for entry in operators:
        url = f" {entry.licence.url}" if entry.licence.url else ""
        lines.append(f"- {entry.operator_name} ({entry.operator_id}): {entry.licence.name} ({entry.licence.id}){url}")
    return "\n".join(lines) + "\n"
