"""frequencies.txt read once for everyone: its valid rows, by trip (the fee metrics count the runs,
the journey graph expands them). A run starts at start_time + k × headway_secs while before
end_time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from regie.gtfs.columns import column, gtfs_seconds, numeric, table
from regie.gtfs.feed_tables import TableLookup


@dataclass(frozen=True)
class FrequencyRows:
    listed: np.ndarray  # bool per trip code: the trip is a template of frequencies.txt
    trip: np.ndarray  # trip code of each valid row
    begin: np.ndarray  # start_time, seconds
    runs: np.ndarray  # number of runs of the row
    headway: np.ndarray  # headway_secs


def frequency_rows(feed: TableLookup, trip_ids: pd.Index, warnings: list[str]) -> FrequencyRows:
    """The valid rows of frequencies.txt (known trip, start before end, positive headway); the
    others are counted in `warnings`."""
    frequencies = table(feed, "frequencies")
    trip = trip_ids.get_indexer(column(frequencies, "trip_id").to_numpy(dtype=object)) if len(frequencies) \
        else np.zeros(0, dtype=np.int64)
    listed = np.zeros(len(trip_ids), dtype=bool)
    listed[trip[trip >= 0]] = True
    begin = gtfs_seconds(column(frequencies, "start_time")).to_numpy()
    end = gtfs_seconds(column(frequencies, "end_time")).to_numpy()
    headway = numeric(frequencies, "headway_secs").to_numpy()
    ok = (trip >= 0) & (headway > 0) & (end > begin)  # NaN compares False
    if (~ok).any():
        warnings.append(f"{int((~ok).sum())} frequencies.txt row(s) with an unknown trip, a bad time or headway: "
                        "ignored")
    return FrequencyRows(listed, trip[ok], begin[ok], np.ceil((end[ok] - begin[ok]) / headway[ok]), headway[ok])
