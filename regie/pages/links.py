"""Links that pages may carry."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def relative_link(link: Any) -> str | None:
    """`link` when it is a relative URL (no scheme, no host, not absolute), else None: pages link
    only to their neighbours, never to what a feed or a config could smuggle in."""
    if not link:
        return None
    text = str(link)
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or text.startswith(("/", "\\")) or any(ord(char) < 32 for char in text):
        return None
    return text
