"""Audits of a merged regional feed: nothing of an operator outside the feed, no row unaccounted for."""

from __future__ import annotations

from regie.merge.regional import RegionalFeed
from regie.normalise.schema import id_columns
from regie.stops.matching import HUB_OPERATOR


def foreign_ids(feed: RegionalFeed) -> dict[str, int]:
    """`table.column` -> how many non-empty ids belong to no operator of the feed (nor to a hub
    station): in the open feed, any would be a restricted operator's data leaking."""
    prefixes = tuple(f"{op}:" for op in [*feed.operators, HUB_OPERATOR])
    leaks = {}
    for table, frame in feed.tables.items():
        for column, _kind in id_columns(table):
            if column not in frame.columns:
                continue
            values = frame[column].astype("str")
            count = int(((values != "") & ~values.str.startswith(prefixes)).sum())
            if count:
                leaks[f"{table}.{column}"] = count
    return leaks


def unbalanced_tables(feed: RegionalFeed) -> dict[str, str]:
    """Tables whose row count differs from what the reconciliation says went in and was added:
    table -> "expected N, found M"."""
    rec = feed.reconciliation
    expected = rec.groupby("table")["rows_out"].sum()
    problems = {}
    for table in sorted(set(expected.index) | set(feed.tables)):
        want = int(expected.get(table, 0))
        found = len(feed.tables[table]) if table in feed.tables else 0
        if want != found:
            problems[table] = f"expected {want} rows, found {found}"
    return problems


__all__ = ["foreign_ids", "unbalanced_tables"]
