"""Helpers shared by the benchmarks."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow.csv as pacsv

from regie.store.paths import shared_feeds_dir


def feeds_dir() -> Path:
    path = shared_feeds_dir()
    if not path.is_dir():
        raise SystemExit(f"benchmark feeds not found at {path}; set REGIE_TEST_FEEDS")
    return path


def best_of(repeat: int, action: Callable[[], object], setup: Callable[[], object] | None = None) -> float:
    """Best wall time of `repeat` runs of action (setup, if given, runs untimed before each)."""
    best = float("inf")
    for _ in range(repeat):
        if setup is not None:
            setup()
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def read_all_tables(path: Path) -> None:
    """P, the baseline: every `.txt` of a zip read by pyarrow.csv, in process, nothing else."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith(".txt"):
                pacsv.read_csv(io.BytesIO(archive.read(name)))
