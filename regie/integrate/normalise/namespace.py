"""Prefix every id and every reference with a namespace, following `schema.ID_COLUMNS`."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from regie.gtfs.spec import DEFINED_BY, TRANSLATION_RECORD_KIND, id_columns


def _prefixed(values: pd.Series, prefix: str) -> pd.Series:
    values = values.fillna("").astype("str")
    empty = values == ""
    return values.where(empty, prefix + values) if empty.any() else prefix + values


def namespace_tables(tables: dict[str, pd.DataFrame], prefix: str,
                     kinds: Collection[str] | None = None) -> dict[str, pd.DataFrame]:
    """New tables with `prefix` before every non-empty id of the given kinds (all when None)."""
    out = {}
    for name, frame in tables.items():
        columns = [(c, k) for c, k in id_columns(name) if c in frame.columns and (kinds is None or k in kinds)]
        record_kinds = {} if name != "translations" else {
            table: kind for table, kind in TRANSLATION_RECORD_KIND.items() if kinds is None or kind in kinds}
        if not columns and not (record_kinds and "record_id" in frame.columns):
            out[name] = frame
            continue
        frame = frame.copy()
        for col, _ in columns:
            frame[col] = _prefixed(frame[col], prefix)
        if record_kinds and "record_id" in frame.columns:
            mine = frame["table_name"].isin(list(record_kinds)) if "table_name" in frame.columns else False
            frame["record_id"] = frame["record_id"].where(~mine, _prefixed(frame["record_id"], prefix))
        out[name] = frame
    return out


def colliding_kinds(feeds: list[dict[str, pd.DataFrame]]) -> set[str]:
    """Id kinds whose ids are defined in more than one of the feeds."""
    found = set()
    for kind, (table, col) in DEFINED_BY.items():
        seen: list[set] = [set(t[table][col]) - {""} for t in feeds if table in t and col in t[table].columns]
        union: set = set()
        for ids in seen:
            if union & ids:
                found.add(kind)
                break
            union |= ids
    return found
