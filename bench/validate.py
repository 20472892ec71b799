"""Full validation of HART against a pyarrow read of its tables and a pure-Python peer validator.

P: best of 3 warm, in-process `pyarrow.csv` reads of every `.txt` of HART.
Ours: best of 3 full validations (pre-screen, canonical engine in its child process, own rules,
GX suites, gate, score, report.json + report.html), imports and GX start-up excluded.
Peer: gtfs-validator 0.1.2 (pure-Python port of the canonical rules) on the same feed, once.
Memory: peak RSS of this process, and the work it needed: peak minus the RSS after imports,
plus the canonical child's own peak (VmHWM since its exec) counted in full.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.common import best_of, feeds_dir, read_all_tables

VALIDATION_DATE = date(2020, 11, 16)


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run() -> dict:
    from quality.config import QualityConfig
    from quality.expectations.gx_context import warm_up
    from quality.report import write_report_html, write_report_json
    from quality.validate import ValidationRequest, validate_feed

    feed = feeds_dir() / "large" / "hart_2020-11-15.zip"
    warm_up()
    rss_after_imports = _rss_mib()
    out = Path(tempfile.mkdtemp(prefix="regie-bench-validate-"))
    config = QualityConfig()
    state: dict = {}

    def validate_and_report() -> None:
        outcome, _ = validate_feed(feed, ValidationRequest(validation_date=VALIDATION_DATE, config=config))
        write_report_json(outcome, out / "report.json")
        write_report_html(outcome, out / "report.html", settings=config.report, title="HART")
        state["outcome"] = outcome
        state["child_peak"] = max(state.get("child_peak", 0.0), outcome.engine_peak_rss_mib or 0.0)

    validate_s = best_of(3, validate_and_report)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pyarrow_s = best_of(3, lambda: read_all_tables(feed))  # after: its buffers would count as our peak
    child_peak_mib = state["child_peak"]  # VmHWM reported by the child (ru_maxrss would count the forked parent)

    peer_out = out / "peer"
    started = time.perf_counter()
    peer = subprocess.run(
        [str(Path(sys.executable).with_name("gtfs-validator")), "-i", str(feed), "-o", str(peer_out),
         "-d", VALIDATION_DATE.isoformat()],
        capture_output=True, text=True, timeout=3600,
    )
    peer_s = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)

    outcome = state["outcome"]
    work_mib = max(peak_mib - rss_after_imports, 0.0) + child_peak_mib
    print(f"HART: {sum(outcome.row_counts.values()):,} rows; findings {outcome.counts_by_severity()}")
    print(f"pyarrow read of every table (P):     {pyarrow_s:.3f} s")
    print(f"full validation + reports:           {validate_s:.3f} s  ({validate_s / pyarrow_s:.1f} x P)")
    print(f"gtfs-validator 0.1.2 (exit {peer.returncode}):        {peer_s:.3f} s  ({peer_s / validate_s:.1f} x slower)")
    print(f"peak RSS {peak_mib:.0f} MiB (after imports {rss_after_imports:.0f}); canonical child peak {child_peak_mib:.0f} MiB")
    return {
        "pyarrow_read_s": round(pyarrow_s, 4),
        "validate_s": round(validate_s, 4),
        "ratio_to_pyarrow": round(validate_s / pyarrow_s, 2),
        "peer_s": round(peer_s, 3),
        "peer_exit_code": peer.returncode,
        "speedup_vs_peer": round(peer_s / validate_s, 1),
        "peak_rss_mib": round(peak_mib, 1),
        "child_peak_rss_mib": round(child_peak_mib, 1),
        "work_rss_mib": round(work_mib, 1),
        "findings": outcome.counts_by_severity(),
    }
