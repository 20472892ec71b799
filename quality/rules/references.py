"""Reference (foreign key) checks as data: which field of which table must name an existing id of
which other table(s). Shared by the fares family (references canonical never checks) and the
canonical fallback (references canonical checks but drops with a rejected table).

reference_not_found (ERROR): the value is not an id of the referenced table(s). When none of the
referenced tables is in the feed, every filled value is unresolved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from quality.notices import Severity
from quality.rules._common import combined, notices, records
from regie.gtfs.columns import column, rows, table
from regie.gtfs.feed_tables import FeedTables


@dataclass(frozen=True)
class Reference:
    table: str  # child table, e.g. "fare_leg_rules"
    field: str  # e.g. "fare_product_id"
    targets: tuple[tuple[str, str], ...]  # (parent table, parent field), any of which may hold the id

    @property
    def target_text(self) -> str:
        return " or ".join(f"{t}.txt ({f})" for t, f in self.targets)


def ref(child: str, field: str, *targets: str) -> Reference:
    """`ref("trips", "route_id", "routes.route_id")`."""
    return Reference(child, field, tuple(tuple(t.split(".", 1)) for t in targets))  # type: ignore[misc]


def unresolved(feed: FeedTables, references: Iterable[Reference]) -> pd.DataFrame:
    """reference_not_found notices; records with the wrong number of fields are skipped (their
    values may be shifted; canonical reports them as invalid_row_length)."""
    ragged = {p.file: set(p.rows) for p in feed.problems if p.kind == "ragged_rows"}
    frames = []
    for reference in references:
        child = feed.get(reference.table)
        if child is None or not len(child) or reference.field not in child.columns:
            continue
        values = column(child, reference.field)
        known = pd.concat([column(table(feed, name), field) for name, field in reference.targets], ignore_index=True)
        missing = (values != "") & ~values.isin(known[known != ""])
        missing &= ~rows(child).isin(ragged.get(f"{reference.table}.txt", ()))
        if not missing.any():
            continue
        hits = pd.DataFrame({"value": values[missing], "row": rows(child)[missing]}).reset_index(drop=True)
        hits["field"] = reference.field
        hits["referenced"] = reference.target_text
        message = (f"{reference.table}.txt {reference.field} '" + hits["value"] + f"' is not an id of "
                   f"{reference.target_text}.")
        frames.append(notices(
            "reference_not_found", Severity.ERROR, file=f"{reference.table}.txt", row=hits["row"],
            field=reference.field, message=message,
            context=records(hits, {"field": "field", "value": reference.field, "referenced": "referenced_file"}),
        ))
    return combined(frames)
