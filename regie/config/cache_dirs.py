"""Where Régie keeps caches of its own work (parsed YAML, compiled page templates): REGIE_CACHE_DIR,
else $XDG_CACHE_HOME/regie (~/.cache/regie). Each cache is a subfolder, created private (0700);
a cache that cannot be written is simply not used."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def cache_root(env: Mapping[str, str] | None = None) -> Path:
    variables = os.environ if env is None else env
    if variables.get("REGIE_CACHE_DIR"):
        return Path(variables["REGIE_CACHE_DIR"])
    return Path(variables.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "regie"


def private_cache(name: str, env: Mapping[str, str] | None = None) -> Path | None:
    """The cache folder `name`, created if needed; None when it cannot be."""
    folder = cache_root(env) / name
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return folder
