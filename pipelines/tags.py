"""Run tags that the production instance's concurrency limits key on (deploy/dagster/dagster.production.yaml)."""

from __future__ import annotations

from urllib.parse import urlparse

from regie.config import Operator

FEED_HOST_TAG = "regie/feed_host"


def operator_run_tags(operator: Operator) -> dict[str, str]:
    """`regie/feed_host`: the host of the operator's first fetched feed (its GTFS one when it has
    one), so that the queue runs at most N collections against one host at a time."""
    feeds = sorted(operator.feeds, key=lambda feed: not feed.kind.is_static)
    hosts = [urlparse(feed.url).hostname for feed in feeds if urlparse(feed.url).scheme in ("http", "https")]
    return {FEED_HOST_TAG: next((host for host in hosts if host), "local")}
