"""min_transfer_time against transfer_type (transfers.txt):
- min_transfer_time_missing (WARNING): transfer_type 2 (a minimum time is required) without
  min_transfer_time, so planners do not know the time to allow.
- min_transfer_time_ignored (INFO): min_transfer_time given with another transfer_type, where it
  has no meaning (planners ignore it).
"""

from __future__ import annotations

import pandas as pd

from quality.notices import Severity
from quality.rules._common import combined, no_notices, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import column, rows, table
from regie.gtfs.feed_tables import FeedTables


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    transfers = table(feed, "transfers")
    if not len(transfers) or "transfer_type" not in transfers.columns:
        return no_notices()
    frame = pd.DataFrame({
        "from_stop_id": column(transfers, "from_stop_id"), "to_stop_id": column(transfers, "to_stop_id"),
        "transfer_type": column(transfers, "transfer_type"), "min_transfer_time": column(transfers, "min_transfer_time"),
        "row": rows(transfers),
    })
    kind = frame["transfer_type"].where(frame["transfer_type"] != "", "0")
    given = frame["min_transfer_time"] != ""
    keys = ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"]
    frames = []
    missing = frame[(kind == "2") & ~given].reset_index(drop=True)
    if len(missing):
        frames.append(notices(
            "min_transfer_time_missing", Severity.WARNING, file="transfers.txt", row=missing["row"],
            field="min_transfer_time",
            message="The transfer from stop " + missing["from_stop_id"] + " to stop " + missing["to_stop_id"]
            + " requires a minimum time (transfer_type 2) but gives no min_transfer_time.",
            context=records(missing, keys)))
    ignored = frame[(kind != "2") & given].reset_index(drop=True)
    if len(ignored):
        frames.append(notices(
            "min_transfer_time_ignored", Severity.INFO, file="transfers.txt", row=ignored["row"],
            field="min_transfer_time",
            message="The transfer from stop " + ignored["from_stop_id"] + " to stop " + ignored["to_stop_id"]
            + " gives min_transfer_time " + ignored["min_transfer_time"] + " with transfer_type "
            + ignored["transfer_type"].where(ignored["transfer_type"] != "", "0 (empty)")
            + ": it only applies to transfer_type 2 and is ignored.",
            context=records(ignored, keys)))
    return combined(frames)
