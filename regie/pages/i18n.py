"""The pages' languages: gettext message catalogues read with Babel, and the language switch.

Catalogues: `locale/<language>/LC_MESSAGES/messages.po` next to this module, one per language
of TRANSLATED (fr, es, eu); English is the source language (the msgids), so "en" and any
language without a catalogue fall back to it, as does any message a catalogue leaves empty.
The .po files are read at run time (`babel.messages.pofile.read_po`, compiled in memory into
`babel.support.Translations`): no build step, nothing compiled to commit.

Marking strings: templates use `_("...")` / `ngettext(...)` of Jinja's i18n extension
(newstyle: `_("%(count)s stops", count=n)`, arguments autoescaped, a literal percent written
`%%`); Python modules mark English text with `N_("...")` (returns it unchanged) and the
templates translate it where it is shown: `{{ _(finding.explanation, **finding.params) }}`.
`extract_messages()` lists every marked msgid (templates and Python of regie/pages, the
reports, the fees and the portal); tests/pages checks that each catalogue translates them all.
To add a message: mark it, then add its msgid and translations to the three .po files (run
`python -m regie.pages.i18n` to list what is missing). A msgid kept in English on purpose
(a name, a unit like "km") carries the translator comment `#. fallback` in the catalogue.

Static pages and the switch: one HTML file per language, written side by side. The region's
first language gets the plain name (`index.html`), the others a language suffix
(`index.fr.html`, `index.eu.html`: `page_name`). Each page carries a `<nav class="language-switch">`
of plain relative links to its siblings (`language_links`), and links between pages go to
the same language's file (`page_name` again). No script, no cookie, no server negotiation:
it works from file:// and over any static HTTP server alike.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "en"
TRANSLATED = ("fr", "es", "eu")
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "eu": "Euskara"}
"""Each language's name in itself, as the switch shows it."""
FALLBACK_COMMENT = "fallback"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark `message` for extraction; it is translated where a page shows it."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural form for extraction: (singular, plural), for `Words.ngettext`."""
    return singular, plural


def normalise_language(language: str | None) -> str:
    """"fr-FR", "FR" or "fr_FR" → "fr"; empty → the source language."""
    if not language:
        return SOURCE_LANGUAGE
    return language.replace("_", "-").split("-")[0].strip().lower() or SOURCE_LANGUAGE


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / normalise_language(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def read_catalogue(language: str) -> Catalog | None:
    """The parsed .po catalogue of `language`, or None when it has none (English among them)."""
    path = catalogue_path(language)
    if not path.is_file():
        return None
    with path.open("rb") as stream:
        return read_po(stream, locale=normalise_language(language), domain=DOMAIN)


@cache
def translations(language: str | None) -> NullTranslations:
    """The gettext translations of `language` ("fr", "es", "eu"; a region tag like "fr-FR" is
    cut to its language); English, and languages without a catalogue, get the identity."""
    catalogue = read_catalogue(normalise_language(language))
    if catalogue is None:
        return NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(language: str | None, message: str, **params: object) -> str:
    """`message` in `language`, with `params` substituted (%(name)s) when given."""
    text = translations(language).gettext(message)
    return text % params if params else text


def page_languages(languages: Iterable[str] | None) -> list[str]:
    """The languages to write pages in: `languages` normalised, duplicates dropped, order kept
    (the first is the region's main language); English when none is given."""
    seen: list[str] = []
    for language in languages or ():
        code = normalise_language(language)
        if code not in seen:
            seen.append(code)
    return seen or [SOURCE_LANGUAGE]


def page_name(name: str, language: str, languages: Sequence[str]) -> str:
    """The file name of page `name` ("index.html", "report.html") in `language`: the plain name
    for the first of `languages`, else the language before the extension ("index.fr.html")."""
    ordered = page_languages(languages)
    language = normalise_language(language)
    if language == ordered[0]:
        return name
    stem, dot, extension = name.rpartition(".")
    return f"{stem}.{language}.{extension}" if dot else f"{name}.{language}"


class LanguageLink(TypedDict):
    code: str
    name: str
    href: str
    current: bool


def language_links(name: str, language: str, languages: Sequence[str]) -> list[LanguageLink]:
    """The language switch of page `name` shown in `language`: one relative link per language
    (empty when the page has only one)."""
    ordered = page_languages(languages)
    if len(ordered) < 2:
        return []
    current = normalise_language(language)
    return [{"code": code, "name": LANGUAGE_NAMES.get(code, code), "href": page_name(name, code, ordered),
             "current": code == current} for code in ordered]


def extract_messages(roots: Iterable[Path] | None = None) -> dict[str, set[str]]:
    """Every msgid marked in the templates (*.html) and Python modules under `roots` (default:
    the packages whose pages use the catalogues), mapped to where it was found."""
    from babel.messages.extract import extract  # lazy: only the catalogue check needs extraction
    from jinja2.ext import babel_extract  # lazy: same

    found: dict[str, set[str]] = {}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "N_plural": (1, 2)}
    for root in roots if roots is not None else default_message_roots():
        for path in sorted(root.rglob("*")):
            if path.suffix not in (".html", ".py") or "static" in path.parts or not path.is_file():
                continue
            method: Any = babel_extract if path.suffix == ".html" else "python"  # Jinja's extractor is typed apart
            options = {"extensions": "jinja2.ext.i18n", "trimmed": "true"} if path.suffix == ".html" else {}
            with path.open("rb") as stream:
                for _line, message, _comments, _context in extract(method, stream, keywords=keywords,
                                                                   options=options):
                    msgid = message[0] if isinstance(message, tuple) else message  # plurals: the singular
                    if msgid:
                        found.setdefault(msgid, set()).add(str(path))
    return found


def default_message_roots() -> list[Path]:
    """regie/pages, quality/report, regie/fees and regie/publish (the portal), when present."""
    regie_dir = Path(__file__).resolve().parents[1]
    roots = [regie_dir / "pages", regie_dir.parent / "quality" / "report", regie_dir / "fees",
             regie_dir / "publish"]
    return [root for root in roots if root.is_dir()]


def untranslated(language: str, messages: Iterable[str]) -> list[str]:
    """The msgids of `messages` that `language`'s catalogue neither translates nor keeps in
    English on purpose (a `#. fallback` comment)."""
    catalogue = read_catalogue(language)
    missing = []
    for msgid in sorted(set(messages)):
        entry = catalogue.get(msgid) if catalogue is not None else None
        if entry is None:
            missing.append(msgid)
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings) and not any(FALLBACK_COMMENT in comment for comment in entry.auto_comments):
            missing.append(msgid)
    return missing


def main() -> int:
    """List, per language, the marked messages its catalogue lacks (exit 1 when any)."""
    messages = extract_messages()
    status = 0
    for language in TRANSLATED:
        for msgid in untranslated(language, messages):
            status = 1
            print(f"{language}: {msgid!r}  ({', '.join(sorted(messages[msgid]))})")
    return status


if __name__ == "__main__":
    sys.exit(main())
