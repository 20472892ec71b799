"""route_name_unexpected_characters (WARNING): a route_short_name or route_long_name with
characters that look like codes or templating rather than a name shown to riders: _ \\ % # @ = ;
[ ] { } | ~ ^ $ ` and the like (transitland's RouteNamesCharacters best practice). Letters of any
script, digits, spaces and usual punctuation are fine: . , ( ) * + - / & < > ' " : and their
typographic forms (’ “ ” « » – — ·). Names are compared in Unicode NFC. Length and letter case
are canonical's (route_short_name_too_long, mixed_case_recommended_field).
"""

from __future__ import annotations

import pandas as pd

from quality.notices import Severity
from quality.rules._common import combined, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import column, rows, table
from regie.gtfs.feed_tables import FeedTables

ALLOWED = r"[^\W_]|[\s.,()*+\-/&<>'\":’‘“”«»–—·]"
"""One allowed character: a letter or digit of any script, a space, or usual punctuation."""
FIELDS = ("route_short_name", "route_long_name")


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    routes = table(feed, "routes")
    frames = []
    for field in FIELDS:
        if field not in routes.columns:
            continue
        names = column(routes, field).str.normalize("NFC")
        unexpected = names.str.replace(ALLOWED, "", regex=True)
        hits = pd.DataFrame({"route_id": column(routes, "route_id"), "name": names, "characters": unexpected,
                             "row": rows(routes)})[unexpected != ""].reset_index(drop=True)
        if hits.empty:
            continue
        message = ("Route " + hits["route_id"] + " " + field + " '" + hits["name"] + "' contains "
                   + hits["characters"] + ", characters not expected in a name shown to riders.")
        frames.append(notices("route_name_unexpected_characters", Severity.WARNING, file="routes.txt",
                              row=hits["row"], field=field, message=message,
                              context=records(hits, {"route_id": "route_id", "name": field,
                                                     "characters": "unexpected_characters"})))
    return combined(frames)
