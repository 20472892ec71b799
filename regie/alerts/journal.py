"""Alerts kept in the catalogue (`alerts` table): every alert raised, whether it was delivered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from regie.alerts.model import Alert
from regie.alerts.webhook import Delivery
from regie.store.catalogue import Catalogue, schema


def record_alert(catalogue: Catalogue, alert: Alert, delivery: Delivery | None) -> int:
    """Store `alert` with its delivery (None: no webhook configured); returns its id."""
    values = dict(raised_at=alert.raised_at, kind=alert.kind, severity=alert.severity, operator_id=alert.operator_id,
                  asset=alert.asset, check_name=alert.check, cause=alert.cause[:2000], run_id=alert.run_id,
                  delivered=None if delivery is None else int(delivery.delivered),
                  attempts=0 if delivery is None else delivery.attempts,
                  delivery_error=None if delivery is None else delivery.error)
    with catalogue.engine.begin() as connection:
        inserted = connection.execute(insert(schema.alerts).values(**values))
        return int(inserted.inserted_primary_key[0])  # type: ignore[index]  # one-row insert: always a key


def latest_alerts(catalogue: Catalogue) -> dict[str | None, dict[str, Any]]:
    """Each operator's last alert (key None: alerts about the region's outputs)."""
    table = schema.alerts
    newest = (select(table.c.operator_id, func.max(table.c.id).label("id")).group_by(table.c.operator_id).subquery())
    query = select(table).join(newest, table.c.id == newest.c.id)
    with catalogue.engine.connect() as connection:
        return {row.operator_id: dict(row._mapping) for row in connection.execute(query)}


def already_alerted(catalogue: Catalogue, alert: Alert) -> bool:
    """The same run already raised this alert (a sensor tick seen twice)."""
    table = schema.alerts
    query = select(func.count()).select_from(table).where(
        table.c.kind == alert.kind, table.c.run_id == alert.run_id, table.c.asset == alert.asset,
        table.c.check_name == alert.check, table.c.operator_id == alert.operator_id)
    with catalogue.engine.connect() as connection:
        return bool(connection.execute(query).scalar_one())
