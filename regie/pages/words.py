"""Saying things in a page's language: gettext with parameters, plurals, numbers and dates.

`Words("fr").say(N_("%(count)s stops"), count=3)` translates, then fills the parameters, each
number formatted the language's way (`decimal` with the digits given in `digits`, integers
grouped), so a Python module builds whole sentences for a template without formatting them
itself. Feed text passed as a parameter stays as the feed has it (the template escapes it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from regie.pages.i18n import normalise_language, translations
from regie.pages.numbers import day, decimal, integer, moment, percent


@dataclass(frozen=True)
class Words:
    """The sentences of one language."""

    language: str = "en"

    def __post_init__(self) -> None:
        object.__setattr__(self, "language", normalise_language(self.language))

    def _(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def value(self, value: Any, digits: int | None = None) -> str:
        """A parameter as text: numbers the language's way (ints grouped, floats with `digits`
        decimals, 1 by default), dates medium, booleans yes/no, anything else as it is."""
        if isinstance(value, bool):
            return self._("yes") if value else self._("no")
        if isinstance(value, int):
            return integer(value, language=self.language)
        if isinstance(value, float):
            return decimal(value, 1 if digits is None else digits, language=self.language)
        if isinstance(value, date):
            return moment(value, language=self.language) if hasattr(value, "hour") else day(value, language=self.language)
        return "" if value is None else str(value)

    def _fill(self, text: str, params: Mapping[str, Any], digits: Mapping[str, int] | None) -> str:
        if not params:
            return text
        return text % {key: self.value(value, (digits or {}).get(key)) for key, value in params.items()}

    def say(self, message: str, /, *, digits: Mapping[str, int] | None = None, **params: Any) -> str:
        """`message` (a msgid with %(name)s parameters) in the language, parameters filled."""
        return self._fill(self._(message), params, digits)

    def say_n(self, forms: tuple[str, str], count: int, /, *, digits: Mapping[str, int] | None = None,
              **params: Any) -> str:
        """The singular or plural of `forms` (from `N_plural`) for `count`; `count` is also a parameter."""
        text = translations(self.language).ngettext(forms[0], forms[1], count)
        return self._fill(text, {"count": count, **params}, digits)

    def number(self, value: Any, digits: int = 1) -> str:
        return decimal(value, digits, language=self.language)

    def percent(self, value: Any, digits: int = 0) -> str:
        return percent(value, digits, language=self.language)

    def day(self, value: Any) -> str:
        return day(value, language=self.language)
