"""feed_not_updated (WARNING): the pool has not seen this operator's content change for more than
`thresholds.max_days_since_update` days (exactly that many days is still fresh). Needs the
catalogue's `last_changed`; silent when it is unknown. Feed-level: no file or row."""

from __future__ import annotations

import pandas as pd

from quality.notices import Severity, Source, notice, notices_frame
from quality.rules._common import no_notices
from quality.rules.context import RuleContext
from regie.gtfs.feed_tables import FeedTables


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    if context.last_changed is None:
        return no_notices()
    age = (context.validation_date - context.last_changed).days
    limit = context.thresholds.max_days_since_update
    if age <= limit:
        return no_notices()
    return notices_frame([notice(
        "feed_not_updated", Severity.WARNING, Source.REGIE,
        f"The operator's timetable has not changed since {context.last_changed.isoformat()}, {age} days before "
        f"{context.validation_date.isoformat()}; the pool expects an update at least every {limit} days.",
        last_changed=context.last_changed.isoformat(), days_since_change=age, max_days_since_update=limit,
    )])
