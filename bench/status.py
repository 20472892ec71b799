"""`python -m bench status`: `regie status` on a registry of 10,000 operators (two feeds each, one
with an archived version), timed as a whole process, median of 5 after a first run (which fills
the YAML cache and Python's bytecode cache, as an installed package has). Baseline measured in the
same run: a bare `python -c pass` start. Goal: at most 3 s."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from regie.store.paths import PROJECT_ROOT

OPERATOR = """\
  - id: op-{n:05d}
    name: Operator {n}
    modes: [bus]
    contact: data@op{n}.example
    licence: CC-BY-4.0
    openness: open
    member_from: 2024-01-01
    feeds:
      - id: gtfs
        kind: gtfs
        url: https://feeds.example/op{n}/gtfs.zip
      - id: bikes
        kind: gbfs
        url: https://feeds.example/op{n}/gbfs.json
"""


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


def run(argv: list[str] | None = None) -> dict:
    operators = int(argv[argv.index("--operators") + 1]) if argv and "--operators" in argv else 10_000
    with tempfile.TemporaryDirectory(prefix="regie-bench-status-") as work:
        configs = Path(work) / "configs"
        configs.mkdir()
        (configs / "region.yaml").write_text((PROJECT_ROOT / "configs" / "region.yaml").read_text())
        (configs / "operators.yaml").write_text("operators:\n" + "".join(OPERATOR.format(n=n) for n in range(operators)))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPYCACHEPREFIX=str(Path(work) / "pycache"), REGIE_CACHE_DIR=str(Path(work) / "cache"))
        regie = [str(Path(sys.executable).with_name("regie")), "--config-dir", str(configs),
                 "--data-dir", str(Path(work) / "data"), "status"]
        first = _timed(regie, env)
        status = [_timed(regie, env) for _ in range(5)]
        bare = [_timed([sys.executable, "-c", "pass"], env) for _ in range(5)]
    median, python_start = statistics.median(status), statistics.median(bare)
    print(f"regie status, {operators} operators: first run {first:.2f} s, then median {median:.2f} s "
          f"(bare python start {python_start:.3f} s)")
    return {"operators": operators, "status_s": round(median, 3), "first_run_s": round(first, 3),
            "python_start_s": round(python_start, 4), "status_over_python_start": round(median / python_start, 1),
            "goal_status_s": 3.0, "meets_goal": median <= 3.0}
