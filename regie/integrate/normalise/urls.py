"""URL fields that are not http(s) links are emptied (the required agency_url: replaced by the
operator's website when the registry has one): a `javascript:` agency_url must never reach a
published feed or a page built from it. Each change is counted in the reconciliation."""

from __future__ import annotations

import pandas as pd

from regie.gtfs.columns import column
from regie.gtfs.url_fields import URL_FIELDS, unsafe_url_kinds
from regie.integrate.normalise.ledger import Ledger

_WHY = {"script": "script URL (javascript:, vbscript:, data:)", "non_http": "URL scheme other than http(s)"}


def empty_unsafe_urls(tables: dict[str, pd.DataFrame], ledger: Ledger, *, agency_url: str | None = None) -> list[str]:
    """Empty every URL field whose scheme is not http(s) (see regie.gtfs.url_fields); return notes.
    The required agency_url gets `agency_url` instead (the operator's website from the registry)
    when that is an http(s) address."""
    notes = []
    safe_agency_url = agency_url if agency_url and unsafe_url_kinds(pd.Series([agency_url])).iloc[0] == "" \
        and agency_url.lower().startswith(("http://", "https://")) else ""
    for name, fields in URL_FIELDS.items():
        frame = tables.get(name)
        if frame is None or not len(frame):
            continue
        for field in fields:
            if field not in frame.columns:
                continue
            kinds = unsafe_url_kinds(column(frame, field))
            unsafe = kinds != ""
            if not unsafe.any():
                continue
            replacement = safe_agency_url if field == "agency_url" else ""
            frame = frame.copy()
            frame[field] = frame[field].where(~unsafe.to_numpy(), replacement)
            done = f"replaced by the operator's website {replacement}" if replacement else "emptied"
            for kind, count in kinds[unsafe].value_counts().items():
                reason = f"{field} {done}: {_WHY[str(kind)]}"
                ledger.change(name, int(count), reason)
                notes.append(f"{name}.txt: {count} {reason}")
        tables[name] = frame
    return notes
