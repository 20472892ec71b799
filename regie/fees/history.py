"""Fee history per year in the catalogue database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select

from regie.fees.results import FeeResult
from regie.store.catalogue import Catalogue, schema


def record_fees(catalogue: Catalogue, results: list[FeeResult], *, as_of: date, computed_at: datetime) -> int:
    """Store one row per operator for this computation; returns how many."""
    rows = [
        dict(operator_id=result.operator_id, fee_year=result.fee_year, computed_at=computed_at, as_of=as_of,
             ok=int(result.ok), amount_cents=getattr(result, "amount_cents", None),
             error_code=getattr(result, "code", None), feed_version=result.feed_version,
             tiers_hash=result.tiers_hash or "", statement=result.to_dict())
        for result in results
    ]
    if rows:
        with catalogue.engine.begin() as connection:
            connection.execute(insert(schema.fees), rows)
    return len(rows)


def fee_history(catalogue: Catalogue, operator_id: str | None = None, fee_year: int | None = None) -> list[dict[str, Any]]:
    """Every stored fee computation, oldest first."""
    table = schema.fees
    query = select(table).order_by(table.c.id)
    if operator_id is not None:
        query = query.where(table.c.operator_id == operator_id)
    if fee_year is not None:
        query = query.where(table.c.fee_year == fee_year)
    with catalogue.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]
