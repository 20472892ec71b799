"""Raise an alert: post it to the region's webhook (if one is configured) and keep it in the catalogue."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from regie.alerts.journal import already_alerted, record_alert
from regie.alerts.model import Alert
from regie.alerts.webhook import Delivery, post_alert
from regie.config.region import Region
from regie.store.catalogue import Catalogue


@dataclass(frozen=True)
class Raised:
    recorded: bool  # False: a repeat of an alert already raised, or a severity the region does not alert on
    delivery: Delivery | None = None  # None: not posted (no webhook configured, or not recorded)


def raise_alert(alert: Alert, *, region: Region, catalogue: Catalogue, env: Mapping[str, str] | None = None) -> Raised:
    """Post `alert` to the webhook named by the region's `alerts.webhook_url_env` (when it is set)
    and record it, once."""
    settings = region.alerts
    if alert.severity not in settings.severities or already_alerted(catalogue, alert):
        return Raised(False)
    url = (os.environ if env is None else env).get(settings.webhook_url_env)
    delivery = post_alert(url, alert, region=region.name, retries=settings.retries, backoff_s=settings.backoff_s,
                          timeout_s=settings.timeout_s) if url else None
    record_alert(catalogue, alert, delivery)
    return Raised(True, delivery)
