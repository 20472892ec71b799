"""A cache of parsed YAML documents, for registries of thousands of operators: PyYAML builds its
objects in Python (about 3 s for 10,000 operators, even with its C parser), JSON reads the same
document in a few hundredths of a second.

An entry is keyed by the SHA-256 of the file's text, so an edited file is parsed again; only
documents that parsed (duplicate keys refused) are stored. Entries live in REGIE_CACHE_DIR, else
$XDG_CACHE_HOME/regie (~/.cache/regie), readable by their owner only; a missing, unreadable or
corrupt entry is ignored and parsing happens as without a cache. Small files are not cached.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from regie.config.cache_dirs import cache_root

MIN_CACHED_BYTES = 256 * 1024
FORMAT = 1  # bump when the encoding changes


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    return cache_root(env) / "yaml"


def parse_cached(text: str, parse: Callable[[str], Any], *, folder: Path | None = None) -> Any:
    """`parse(text)`, read from or written to the cache when `text` is large."""
    if len(text) < MIN_CACHED_BYTES:
        return parse(text)
    folder = folder or cache_dir()
    entry = folder / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}.v{FORMAT}.json"
    try:
        return json.loads(entry.read_text(encoding="utf-8"), object_hook=_decode)
    except (OSError, ValueError):
        pass
    document = parse(text)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = entry.with_name(f".{entry.name}.{os.getpid()}")
        temporary.write_text(json.dumps(document, default=_encode, ensure_ascii=False), encoding="utf-8")
        os.chmod(temporary, 0o600)
        os.replace(temporary, entry)
    except (OSError, TypeError, ValueError):  # a read-only home, or a value JSON cannot hold: no cache
        pass
    return document


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"not cached: {type(value).__name__}")


def _decode(mapping: dict[str, Any]) -> Any:
    if len(mapping) == 1:
        if "$date" in mapping:
            return date.fromisoformat(mapping["$date"])
        if "$datetime" in mapping:
            return datetime.fromisoformat(mapping["$datetime"])
    return mapping
