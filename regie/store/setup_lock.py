"""First-time setup serialised between processes: a lock file beside the data (`fcntl.flock`).

Two runs started at once on a fresh data directory would otherwise both create the same tables
(the catalogue's on SQLite, Dagster's instance storage) and one would die.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def setup_lock(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_file` (created) while the block runs; others wait."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
