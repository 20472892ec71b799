"""The reconciliation ledger: every row removed is counted with its reason."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

REGIONAL_FILTER = "regional_filter"
UNREFERENCED = "unreferenced_after_filter"
RECONCILIATION_COLUMNS = ["table", "rows_in", "rows_out", "rows_dropped", "rows_added", "reason"]


class RowsLost(RuntimeError):
    """Rows disappeared without a recorded reason (a bug in normalisation, never silent)."""


class Ledger:
    def __init__(self) -> None:
        self.rows_in: dict[str, int] = defaultdict(int)
        self.dropped: dict[tuple[str, str], int] = defaultdict(int)
        self.added: dict[tuple[str, str], int] = defaultdict(int)
        self.changed: dict[tuple[str, str], int] = defaultdict(int)

    def start(self, tables: dict[str, pd.DataFrame]) -> None:
        for name, frame in tables.items():
            self.rows_in[name] += len(frame)

    def keep(self, tables: dict[str, pd.DataFrame], name: str, mask: pd.Series, reason: str) -> None:
        """Keep the rows of `tables[name]` where mask is True; count the others under `reason`."""
        frame = tables.get(name)
        if frame is None:
            return
        mask = mask.reindex(frame.index, fill_value=False).astype(bool)
        dropped = int((~mask).sum())
        if dropped:
            self.dropped[(name, reason)] += dropped
            tables[name] = frame[mask.to_numpy()].reset_index(drop=True)

    def add(self, name: str, count: int, reason: str) -> None:
        """Count rows added to `name` (e.g. trips copied) under `reason`."""
        if count:
            self.added[(name, reason)] += count

    def change(self, name: str, count: int, reason: str) -> None:
        """Count rows of `name` whose values were changed (not dropped) under `reason`: a
        reconciliation row with nothing dropped or added, the count in the reason."""
        if count:
            self.changed[(name, reason)] += count

    def merge(self, other: Ledger) -> None:
        for name, count in other.rows_in.items():
            self.rows_in[name] += count
        for key, count in other.dropped.items():
            self.dropped[key] += count
        for key, count in other.added.items():
            self.added[key] += count
        for key, count in other.changed.items():
            self.changed[key] += count

    def reconciliation(self, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """One row per (table, reason); a table with nothing dropped or added gets one row, reason "".

        Raises RowsLost when rows_in + added - dropped differs from rows_out."""
        records = []
        for name in sorted(set(self.rows_in) | set(tables)):
            rows_in = self.rows_in.get(name, 0)
            rows_out = len(tables[name]) if name in tables else 0
            dropped = {reason: n for (table, reason), n in self.dropped.items() if table == name}
            added = {reason: n for (table, reason), n in self.added.items() if table == name}
            if rows_in + sum(added.values()) - sum(dropped.values()) != rows_out:
                raise RowsLost(f"{name}: {rows_in} rows in, {rows_out} out, but {sum(dropped.values())} "
                               f"dropped ({dropped}) and {sum(added.values())} added ({added}) with a reason")
            changed = [f"{reason} ({n} rows)" for (table, reason), n in sorted(self.changed.items()) if table == name]
            for reason in sorted(set(dropped) | set(added)) or ([] if changed else [""]):
                records.append((name, rows_in, rows_out, dropped.get(reason, 0), added.get(reason, 0), reason))
            records += [(name, rows_in, rows_out, 0, 0, reason) for reason in changed]
        return pd.DataFrame.from_records(records, columns=RECONCILIATION_COLUMNS).astype(
            {"rows_in": "int64", "rows_out": "int64", "rows_dropped": "int64", "rows_added": "int64"})
