"""pool_id_collision (INFO): the same raw id (the normalised id without its `<operator>:` prefix)
defined by two operators for one id kind (`schema.DEFINED_BY`, plus calendar and calendar_dates for
services and shapes.txt for shapes). One finding per (kind, operator pair) with the count and a
sample. Namespacing already keeps them apart; the finding documents it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from quality.notices import Severity, notices_frame
from regie.gtfs.spec import DEFINED_BY
from regie.integrate.checks.common import SAMPLE_SIZE, contexts, findings, operator_pairs
from regie.integrate.normalise import NormalisedFeed

ID_COLLISION = "pool_id_collision"
SEVERITY = Severity.INFO

# where ids of a kind are defined: schema.DEFINED_BY, plus the other tables defining one
DEFINITIONS: dict[str, tuple[tuple[str, str], ...]] = {
    kind: (where,) + {"service": (("calendar", "service_id"), ("calendar_dates", "service_id")),
                      "shape": (("shapes", "shape_id"),)}.get(kind, ())
    for kind, where in DEFINED_BY.items()
}


def _distinct(values: pd.Series) -> np.ndarray:
    """The distinct values (object array); a categorical's used categories, without expanding it."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = np.unique(values.cat.codes.to_numpy())
        return values.cat.categories.to_numpy(dtype=object)[codes[codes >= 0]]
    return pd.unique(values.to_numpy(dtype=object))


def id_collisions(feeds: Mapping[str, NormalisedFeed]) -> pd.DataFrame:
    """pool_id_collision findings: one per (id kind, pair of operators defining the same raw ids)."""
    kinds, operators, ids = [], [], []
    for feed in feeds.values():
        for kind, places in DEFINITIONS.items():
            for table_name, field in places:
                frame = feed.tables.get(table_name)
                if frame is not None and field in frame.columns:
                    values = _distinct(frame[field])
                    kinds.append(np.full(len(values), kind, dtype=object))
                    operators.append(np.full(len(values), feed.operator_id, dtype=object))
                    ids.append(values)
    if not ids:
        return notices_frame()
    # operator ids are slugs (no ":"): the raw id is what follows the first ":" of an id of its operator
    split = pd.Series(np.concatenate(ids), dtype="str").fillna("").str.strip().str.partition(":")
    defined = pd.DataFrame({"kind": np.concatenate(kinds), "operator_id": np.concatenate(operators),
                            "prefix": split[0], "raw_id": split[2]})
    defined = defined[(defined["prefix"] == defined["operator_id"]) & (defined["raw_id"] != "")]
    defined = defined[["kind", "operator_id", "raw_id"]].drop_duplicates()
    shared = defined[defined.duplicated(["kind", "raw_id"], keep=False)]
    pairs = operator_pairs(shared, ["kind", "raw_id"]).sort_values(["kind", "operator_id_a", "operator_id_b", "raw_id"])
    if not len(pairs):
        return notices_frame()
    grouped = pairs.groupby(["kind", "operator_id_a", "operator_id_b"], sort=True)["raw_id"]
    summary = pd.DataFrame({"count": grouped.size(), "sample_ids": grouped.agg(lambda ids: list(ids[:SAMPLE_SIZE]))})
    summary = summary.reset_index().rename(columns={"operator_id_a": "operator_a", "operator_id_b": "operator_b"})
    summary["file"] = summary["kind"].map(lambda kind: f"{DEFINED_BY[kind][0]}.txt")
    summary["field"] = summary["kind"].map(lambda kind: DEFINED_BY[kind][1])
    sample = summary["sample_ids"].map(lambda ids: ", ".join(ids))
    more = np.where(summary["count"] > SAMPLE_SIZE, ", ...", "")
    message = (summary["count"].astype(str) + " " + summary["field"] + " value(s) are used by both "
               + summary["operator_a"] + " and " + summary["operator_b"] + " (" + sample + more
               + "); namespacing keeps them apart as <operator>:<id>, so nothing joins by accident.")
    return findings(ID_COLLISION, SEVERITY, message,
                    contexts(summary, ["operator_a", "operator_b", "kind", "field", "count", "sample_ids"]),
                    file=summary["file"], field=summary["field"])
