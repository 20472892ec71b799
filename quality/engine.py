"""The canonical engine behind our own interface, so that gtfs-guru can be swapped.

`GtfsGuruEngine.start` launches `quality.engine_worker` in a child process and returns at once,
so our own rules can run on the other core meanwhile. The child has a memory limit (RLIMIT_AS)
and the parent kills it at the time limit. Whatever goes wrong in the child (a crash, a signal,
running out of memory or time, an unreadable result), `EngineJob.result()` returns one
`engine_failure` ERROR notice naming the feed and the cause, and the pipeline goes on.
"""

from __future__ import annotations

import abc
import functools
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd  # the notice frames; pandas itself loads with quality.notices.notices_frame

from quality.canonical import ENGINE_NAME, engine_version
from quality.config import EngineLimits
from quality.engine_worker import OUT_OF_MEMORY_EXIT
from quality.notices import Severity, Source, notice, notices_frame

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Allocators reserve far more address space than they use (mimalloc 1 GiB arenas, glibc 64 MiB per
# thread), which would make an RLIMIT_AS a limit on reservations rather than on memory. 128 MiB
# arenas, not 64: on HART the child then spends ~0.08 s less in the kernel, ~10 % of its time, at
# the same peak.
CHILD_ENV = {"MIMALLOC_ARENA_RESERVE": "128MiB", "MIMALLOC_PURGE_DELAY": "0", "MALLOC_ARENA_MAX": "2",
             "PYTHONUNBUFFERED": "1"}
_OUT_OF_MEMORY = re.compile(
    r"MemoryError|memory allocation of \d+ bytes failed|out of memory|cannot allocate memory|bad_alloc"
    r"|mimalloc: error: unable to allocate|failed to map segment", re.IGNORECASE,
)


class EngineJob(abc.ABC):
    """One running validation."""

    peak_rss_mib: float | None = None  # the engine's own peak memory, when it reports it

    @abc.abstractmethod
    def result(self) -> pd.DataFrame:
        """Wait for the engine; its notices as a notice frame (a failure is a notice, never an exception)."""

    @abc.abstractmethod
    def cancel(self) -> None:
        """Stop the engine if it still runs."""


class CanonicalEngine(abc.ABC):
    """MobilityData's canonical rule set, as some implementation runs it."""

    name: str

    @abc.abstractmethod
    def version(self) -> str: ...

    @abc.abstractmethod
    def start(self, path: Path, validation_date: date, *, country_code: str | None = None) -> EngineJob:
        """Start validating the feed at `path`; return at once."""


def engine_failure(engine: str, path: Path, cause: str) -> pd.DataFrame:
    """The single notice that replaces an engine's output when the engine failed."""
    message = f"The canonical validator ({engine}) could not check {Path(path).name}: {cause}."
    return notices_frame([notice(
        "engine_failure", Severity.ERROR, Source.CANONICAL, message, engine=engine, feed=Path(path).name, cause=cause,
    )])


class GtfsGuruEngine(CanonicalEngine):
    """gtfs-guru in a child process with `limits.memory_mib` of address space and `limits.timeout_s`."""

    name = ENGINE_NAME

    def __init__(self, limits: EngineLimits | None = None, *, python: str = sys.executable):
        self.limits = limits or EngineLimits()
        self.python = python

    def version(self) -> str:
        try:
            return importlib.metadata.version("gtfs-guru")
        except importlib.metadata.PackageNotFoundError:
            return engine_version()

    def start(self, path: Path, validation_date: date, *, country_code: str | None = None) -> EngineJob:
        workdir = Path(tempfile.mkdtemp(prefix="regie-engine-"))
        # -S: no site (its .pth files and editable-install finders take ~15 ms of every start);
        # the child needs only this project and gtfs-guru, both on its PYTHONPATH
        command = [
            self.python, "-S", "-m", "quality.engine_worker", str(Path(path).resolve()), validation_date.isoformat(),
            str(workdir / "notices.json"), "--memory-mib", str(self.limits.memory_mib),
        ]
        if country_code:
            command += ["--country-code", country_code]
        env = {**os.environ, **CHILD_ENV}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), _engine_dir(), os.environ.get("PYTHONPATH")]))
        try:
            with open(workdir / "stderr.txt", "wb") as stderr:
                process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                    cwd=workdir, env=env, start_new_session=True,
                )
        except OSError as exc:
            shutil.rmtree(workdir, ignore_errors=True)
            return _Done(engine_failure(self.name, Path(path), f"it could not be started ({exc})"))
        return _ChildJob(self.name, Path(path), self.limits, process, workdir)


class _Done(EngineJob):
    def __init__(self, notices: pd.DataFrame):
        self._notices = notices

    def result(self) -> pd.DataFrame:
        return self._notices

    def cancel(self) -> None:
        """Nothing runs: the notices are known."""


class _ChildJob(EngineJob):
    def __init__(
        self, engine: str, path: Path, limits: EngineLimits, process: subprocess.Popen[bytes], workdir: Path
    ):
        self.engine, self.path, self.limits = engine, path, limits
        self._process, self._workdir = process, workdir
        self._deadline = time.monotonic() + limits.timeout_s
        self._result: pd.DataFrame | None = None
        self.peak_rss_mib: float | None = None  # the child's own peak, once it has finished
        self._reap = weakref.finalize(self, _reap, process, workdir)

    def result(self) -> pd.DataFrame:
        if self._result is None:
            self._result = self._collect()
            self._reap()
        return self._result

    def cancel(self) -> None:
        if self._result is None:
            self._result = engine_failure(self.engine, self.path, "it was cancelled")
        self._reap()

    def _collect(self) -> pd.DataFrame:
        try:
            code = self._process.wait(timeout=max(self._deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            _kill(self._process)
            return self._failure(f"it timed out after {self.limits.timeout_s:g} s")
        if code != 0:
            return self._failure(self._cause(code))
        try:
            notices, self.peak_rss_mib = _read_notices(self._workdir / "notices.json")
            return notices
        except Exception as exc:  # anything the child wrote that is not a notice table
            return self._failure(f"it wrote an unreadable result ({type(exc).__name__}: {exc})")

    def _cause(self, code: int) -> str:
        stderr = _tail(self._workdir / "stderr.txt")
        if code == OUT_OF_MEMORY_EXIT or _OUT_OF_MEMORY.search(stderr):
            return f"it ran out of memory (limit {self.limits.memory_mib} MiB)"
        last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
        how = f"it was killed by signal {_signal_name(-code)}" if code < 0 else f"it exited with code {code}"
        return f"{how} ({last[:300]})" if last else how

    def _failure(self, cause: str) -> pd.DataFrame:
        return engine_failure(self.engine, self.path, cause)


@functools.cache
def _engine_dir() -> str | None:
    """The folder gtfs_guru is imported from (site-packages), found without importing it."""
    spec = importlib.util.find_spec("gtfs_guru")
    return str(Path(spec.origin).parent.parent) if spec is not None and spec.origin else None


def _read_notices(path: Path) -> tuple[pd.DataFrame, float | None]:
    """The child's notices and its peak memory."""
    written = json.loads(path.read_text(encoding="utf-8"))
    records = written.get("notices") if isinstance(written, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError("not a list of notice records")
    frame = notices_frame(records)
    if not frame["severity"].isin([s.value for s in Severity]).all() or frame["code"].isna().any():
        raise ValueError("codes or severities missing or unknown")
    peak = written.get("peak_rss_mib")
    return frame, float(peak) if isinstance(peak, int | float) else None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _tail(path: Path, size: int = 4096) -> str:
    try:
        with open(path, "rb") as stream:
            stream.seek(max(stream.seek(0, os.SEEK_END) - size, 0))
            return stream.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            process.kill()
    process.wait()


def _reap(process: subprocess.Popen[bytes], workdir: Path) -> None:
    _kill(process)
    shutil.rmtree(workdir, ignore_errors=True)
