"""script_url (ERROR): a URL field (agency_url, agency_fare_url, route_url, stop_url,
feed_publisher_url, feed_contact_url, attribution_url, booking info_url/booking_url) whose
scheme runs or carries content in the page that shows it: javascript:, vbscript:, data:
(read as a browser does: case and embedded controls ignored). url_scheme_not_http (WARNING): any
other scheme than http(s) (ftp:, file:, mailto:...). Canonical's invalid_url only catches values
that are not URLs at all. Such values are emptied in the regional feeds (see
regie.integrate.normalise.urls)."""

from __future__ import annotations

import pandas as pd

from quality.notices import Severity
from quality.rules._common import combined, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import column, rows, table
from regie.gtfs.feed_tables import FeedTables
from regie.gtfs.url_fields import URL_FIELDS, unsafe_url_kinds, url_schemes

SCRIPT_URL = "script_url"
NOT_HTTP = "url_scheme_not_http"


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    frames = []
    for name, fields in URL_FIELDS.items():
        frame = table(feed, name)
        for field in fields:
            if field not in frame.columns:
                continue
            values = column(frame, field)
            kinds = unsafe_url_kinds(values)
            hits = pd.DataFrame({"value": values, "scheme": url_schemes(values), "kind": kinds,
                                 "row": rows(frame)})[kinds != ""].reset_index(drop=True)
            for kind, code, severity, why in (
                ("script", SCRIPT_URL, Severity.ERROR, "a script URL, which runs code in the page that shows the link"),
                ("non_http", NOT_HTTP, Severity.WARNING, "not an http(s) address a rider's browser can open"),
            ):
                found = hits[hits["kind"] == kind].reset_index(drop=True)
                if found.empty:
                    continue
                message = (f"{name}.txt {field} uses the scheme '" + found["scheme"] + f":': {why}. "
                           "The regional feeds leave this field empty.")
                frames.append(notices(code, severity, file=f"{name}.txt", row=found["row"], field=field,
                                      message=message, context=records(found, {"scheme": "scheme"})))
    return combined(frames)
