"""`regie validate FEED` as a person runs it, whole process, against a bare gtfs-guru run.

Ours: `regie validate FEED --out DIR --date D` as a subprocess (interpreter start, imports, the
canonical child, own rules, report.json + report.html), no region: only what is not
region-specific, as the command does by default.
Baseline: `python -c "import gtfs_guru; gtfs_guru.validate(FEED, date=D)"`, the canonical rules
alone, in a subprocess of the same interpreter.
Median of 5 runs each, alternated, after one untimed warm-up of each. Both run with bytecode
caching on (in a cache folder of the bench's own, as an installed package has its .pyc files),
whatever PYTHONDONTWRITEBYTECODE says. Goals: <= 8x the baseline on County Connection (600 KB),
<= 1.5x on HART.
"""

from __future__ import annotations

import os
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


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800,
                   check=False)
    return time.perf_counter() - started


def _compare(feed: Path, day: str, env: dict[str, str], work: Path) -> tuple[float, float]:
    regie = [str(Path(sys.executable).with_name("regie")), "validate", str(feed), "--out", str(work / "report"),
             "--date", day]
    guru = [sys.executable, "-c", f"import gtfs_guru; gtfs_guru.validate({str(feed)!r}, date={day!r})"]
    _timed(regie, env, work), _timed(guru, env, work)  # warm-up: bytecode caches, file system caches
    ours, baseline = [], []
    for _ in range(RUNS):
        ours.append(_timed(regie, env, work))
        baseline.append(_timed(guru, env, work))
    return statistics.median(ours), statistics.median(baseline)


def run() -> dict:
    env = _environment()
    work = Path(tempfile.mkdtemp(prefix="regie-bench-validate-cli-"))
    result: dict = {}
    try:
        for name, (relative, day, goal) in FEEDS.items():
            ours, baseline = _compare(feeds_dir() / relative, day, env, work)
            ratio = ours / baseline
            print(f"{name}: regie validate {ours:.3f} s, gtfs-guru alone {baseline:.3f} s: "
                  f"{ratio:.1f}x (goal <= {goal:g}x{'' if ratio <= goal else ', MISSED'})")
            result[name] = {"regie_validate_s": round(ours, 3), "gtfs_guru_s": round(baseline, 3),
                            "ratio_to_gtfs_guru": round(ratio, 2), "goal_ratio": goal, "met": ratio <= goal}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result
