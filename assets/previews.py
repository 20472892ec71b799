"""Small markdown tables for asset previews and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from regie.config.operators import Registry

if TYPE_CHECKING:
    from regie.collect.collector import OperatorCollection


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def registry_markdown(registry: Registry) -> str:
    rows = [
        [
            operator.id,
            operator.name,
            ", ".join(operator.modes),
            operator.openness,
            operator.licence,
            ", ".join(f"{feed.id} ({feed.kind.value})" for feed in operator.feeds),
        ]
        for operator in registry.operators
    ]
    return markdown_table(["operator", "name", "modes", "openness", "licence", "feeds"], rows)


def collection_markdown(result: OperatorCollection) -> str:
    rows = [
        [
            feed.feed_id,
            feed.kind.value,
            feed.outcome.value,
            feed.fetch.http_status or "",
            (feed.version.content_hash[:12] if feed.version else feed.fetch.content_hash or "")[:12],
            feed.fetch.size_bytes or "",
        ]
        for feed in result.feeds
    ]
    return markdown_table(["feed", "kind", "outcome", "http", "version", "bytes"], rows)
