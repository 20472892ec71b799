"""`regie validate FEED` as a person runs it, whole process, against a bare gtfs-guru run.

Ours: `regie validate FEED --out DIR --date D` as a subprocess (interpreter start, imports, the
canonical child, own rules, report.json + report.html), no region: only what is not
region-specific, as the command does by default.
Baseline: `python -c "import gtfs_guru; gtfs_guru.validate(FEED, date=D)"`, the canonical rules
alone, in a subprocess of the same interpreter.
Median of 5 runs each, alternated, after one untimed warm-up of each; CPU seconds (the process
and its children) are reported beside the wall time, and the load average: on a machine whose
cores are busy, the canonical child and our own work no longer overlap and the ratio grows. Both run with bytecode
caching on (in a cache folder of the bench's own, as an installed package has its .pyc files),
whatever PYTHONDONTWRITEBYTECODE says. Goals: <= 8x the baseline on County Connection (600 KB),
<= 1.5x on HART.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import feeds_dir

RUNS = 5
FEEDS = {  # name: (path under the feeds folder, validation date, goal as a ratio to gtfs-guru)
    "countyconnection": ("regional_bayarea/countyconnection_2018-08-12.zip", "2018-09-12", 8.0),
    "hart": ("large/hart_2020-11-15.zip", "2020-11-16", 1.5),
}


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONDONTWRITEBYTECODE", "REGIE_CONFIG_DIR", "REGIE_AS_OF")}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "regie-bench-pycache")
    return env


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of the command and its children (the canonical engine's child included)."""
    cpu, started = _cpu_s(), time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800,
                   check=False)
    return time.perf_counter() - started, _cpu_s() - cpu


def _compare(feed: Path, day: str, env: dict[str, str], work: Path) -> dict[str, float]:
    regie = [str(Path(sys.executable).with_name("regie")), "validate", str(feed), "--out", str(work / "report"),
             "--date", day]
    guru = [sys.executable, "-c", f"import gtfs_guru; gtfs_guru.validate({str(feed)!r}, date={day!r})"]
    _timed(regie, env, work), _timed(guru, env, work)  # warm-up: bytecode caches, file system caches
    ours, baseline = [], []
    for _ in range(RUNS):
        ours.append(_timed(regie, env, work))
        baseline.append(_timed(guru, env, work))
    return {"regie_validate_s": statistics.median(wall for wall, _ in ours),
            "gtfs_guru_s": statistics.median(wall for wall, _ in baseline),
            "regie_validate_cpu_s": statistics.median(cpu for _, cpu in ours),
            "gtfs_guru_cpu_s": statistics.median(cpu for _, cpu in baseline)}


def run() -> dict:
    env = _environment()
    work = Path(tempfile.mkdtemp(prefix="regie-bench-validate-cli-"))
    result: dict = {}
    try:
        for name, (relative, day, goal) in FEEDS.items():
            times = _compare(feeds_dir() / relative, day, env, work)
            ratio = times["regie_validate_s"] / times["gtfs_guru_s"]
            print(f"{name}: regie validate {times['regie_validate_s']:.3f} s "
                  f"(CPU {times['regie_validate_cpu_s']:.3f} s), gtfs-guru alone {times['gtfs_guru_s']:.3f} s "
                  f"(CPU {times['gtfs_guru_cpu_s']:.3f} s): {ratio:.1f}x (goal <= {goal:g}x"
                  f"{'' if ratio <= goal else ', MISSED'})")
            result[name] = {**{key: round(value, 3) for key, value in times.items()},
                            "ratio_to_gtfs_guru": round(ratio, 2), "goal_ratio": goal, "met": ratio <= goal,
                            "load_average": round(os.getloadavg()[0], 2)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result
