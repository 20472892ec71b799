"""Normalise each operator's accepted feed(s) into one clean, namespaced operator feed (Dagster-free).

`normalise_operator(operator, feeds, *, region_timezone) -> NormalisedFeed`; see `operator.py`.
"""

from regie.integrate.normalise.ledger import RowsLost
from regie.integrate.normalise.operator import NormalisedFeed, normalise_operator
from regie.integrate.normalise.timezones import TimezoneError, same_rules

__all__ = ["NormalisedFeed", "RowsLost", "TimezoneError", "normalise_operator", "same_rules"]
