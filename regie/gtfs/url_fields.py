"""GTFS fields that hold URLs, and which URL schemes are safe to publish as links.

Only http(s) URLs are links a rider's browser may follow. `javascript:`, `vbscript:` and `data:`
run or carry content in the page that shows the link (script URLs); any other scheme (ftp:,
file:, mailto:...) is not what the specification allows in a URL field.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

URL_FIELDS: dict[str, tuple[str, ...]] = {
    "agency": ("agency_url", "agency_fare_url"),
    "routes": ("route_url",),
    "stops": ("stop_url",),
    "feed_info": ("feed_publisher_url", "feed_contact_url"),
    "attributions": ("attribution_url",),
    "booking_rules": ("info_url", "booking_url"),
}
"""URL fields by table (file name without .txt)."""

SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "data"})
WEB_SCHEMES = frozenset({"http", "https"})

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_IGNORED = re.compile(r"[\x00-\x20\x7f]")  # browsers drop controls and spaces around and inside a scheme


def url_schemes(values: pd.Series) -> pd.Series:
    """The scheme of each value as a browser reads it (lower case, controls and spaces removed),
    or "" where the value names no scheme."""
    cleaned = values.astype(str).str.replace(_IGNORED, "", regex=True).str.lower()
    return cleaned.str.extract(_SCHEME, expand=False).fillna("")


def unsafe_url_kinds(values: pd.Series) -> pd.Series:
    """"script" for script URLs, "non_http" for other schemes, "" for http(s) or no scheme."""
    schemes = url_schemes(values)
    kinds = np.where(schemes.isin(SCRIPT_SCHEMES), "script",
                     np.where((schemes != "") & ~schemes.isin(WEB_SCHEMES), "non_http", ""))
    return pd.Series(kinds, index=values.index, dtype=object)
