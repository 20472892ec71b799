"""Post an alert to a webhook: JSON, retried with backoff on connection errors, timeouts, 429 and
5xx; never follows a redirect; the URL (which often carries a token) is never logged or stored."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlparse

import requests

from regie.alerts.model import Alert

RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    attempts: int
    status: int | None = None
    error: str | None = None


def webhook_host(url: str) -> str:
    """What may be shown of a webhook URL: its scheme and host."""
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.hostname or '?'}"


def post_alert(url: str, alert: Alert, *, region: str, retries: int = 3, backoff_s: float = 1.0,
               timeout_s: float = 10.0, session: requests.Session | None = None) -> Delivery:
    if urlparse(url).scheme not in ("http", "https"):
        return Delivery(False, 0, error=f"webhook {webhook_host(url)}: only http(s) URLs are posted to")
    http = session or requests.Session()
    error, status = "", None
    for attempt in range(1, retries + 2):
        try:
            response = http.post(url, json=alert.payload(region), timeout=timeout_s, allow_redirects=False)
            status = response.status_code
            if 200 <= status < 300:
                return Delivery(True, attempt, status)
            error = f"HTTP {status}"
            if status not in RETRY_STATUSES:
                break
        except (requests.ConnectionError, requests.Timeout) as exc:
            error = type(exc).__name__
        if attempt <= retries:
            time.sleep(backoff_s * 2 ** (attempt - 1))
    return Delivery(False, attempt, status, f"webhook {webhook_host(url)}: {error}")
