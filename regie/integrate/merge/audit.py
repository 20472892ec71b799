"""Audits of a merged regional feed: nothing of an operator outside the feed, no row unaccounted for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regie.gtfs.compact import is_compact
from regie.gtfs.csv_text import TableParts
from regie.gtfs.spec import id_columns
from regie.integrate.merge.regional import RegionalFeed
from regie.integrate.stops.matching import HUB_OPERATOR


def _foreign(values: pd.Series, prefixes: tuple[str, ...]) -> int:
    """How many non-empty values start with none of the prefixes (a categorical's distinct
    values are tested once, then counted through its codes)."""
    if is_compact(values):
        text = pd.Series(values.cat.categories, dtype="str")
        bad = ((text != "") & ~text.str.startswith(prefixes)).to_numpy()
        codes = values.cat.codes.to_numpy()
        return int(np.count_nonzero(bad[codes[codes >= 0]]))
    text = values.astype("str").fillna("")
    return int(((text != "") & ~text.str.startswith(prefixes)).sum())


def foreign_ids(feed: RegionalFeed) -> dict[str, int]:
    """`table.column` -> how many non-empty ids belong to no operator of the feed (nor to a hub
    station): in the open feed, any would be a restricted operator's data leaking."""
    prefixes = tuple(f"{op}:" for op in [*feed.operators, HUB_OPERATOR])
    leaks = {}
    for table, content in feed.parts.items():
        frames = content.frames if isinstance(content, TableParts) else [content]
        for column, _kind in id_columns(table):
            count = sum(_foreign(frame[column], prefixes) for frame in frames if column in frame.columns)
            if count:
                leaks[f"{table}.{column}"] = count
    return leaks


def unbalanced_tables(feed: RegionalFeed) -> dict[str, str]:
    """Tables whose row count differs from what the reconciliation says went in and was added:
    table -> "expected N, found M"."""
    rec = feed.reconciliation
    expected = rec.groupby("table")["rows_out"].sum()
    problems = {}
    counts = feed.row_counts()
    for table in sorted(set(expected.index) | set(counts)):
        want = int(expected.get(table, 0))
        found = counts.get(table, 0)
        if want != found:
            problems[table] = f"expected {want} rows, found {found}"
    return problems


__all__ = ["foreign_ids", "unbalanced_tables"]
