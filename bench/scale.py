"""A region of many operators end to end: `python -m bench scale [--operators N] [--quick]`.

The demo generator writes N operators (default 50, mixed sizes, the first a city bus network of
about a million stop_times; `regie.demo.many`), cached under `<data dir>/cache/bench-scale/`
by parameters, served on a loopback HTTP server. Each measured phase runs in a fresh Python
process (`python -m bench.scale --phase ...`) with its own instance and data folders:

- parallel: `refresh_pool` (steps of a few operators each: collect → validate → accept →
  normalise, the multiprocess executor forking from a forkserver with preloaded modules) then
  `region_outputs` (fees, hubs, transfers, regional feeds and their gates, journey graphs, release
  notes, release and its checks, database; a graph whose branches run side by side) with the
  multiprocess executor on the same forkserver, both through `execute_job` on a persistent
  instance;
- serial, the baseline: the same two jobs with `execute_in_process` (the in-process executor):
  the same steps, in order, in one process.

`wall_s` and `serial_wall_s` time both jobs, imports excluded for both (`--keep DIR` keeps both
phases' instances, to read their step timelines): the parallel phase starts
its forkserver (which imports the preloaded modules, `forkserver_start_s`) before the clock, as
the serial phase imports the definitions before it. `refresh_speedup` is the same ratio for the
per-operator job alone. `peak_rss_mib` is the largest single process of
the parallel phase: the orchestrating process and every step process (their forkserver is
stopped and reaped, so Linux's RUSAGE_CHILDREN holds the largest of them).
`per_process_start_s` is the median, over the operator steps, of the time from the step
process's start (its fork) to the op body's first line (`pipelines.parallel.process_age_s`).

`two_core_ceiling` is what the machine's cores give this work at best: two copies of the serial
refresh run side by side (separate instances and data, nothing shared but the machine), as
2 × (one alone) / (the mean of the two). On a machine whose cores share caches and memory
bandwidth, pandas-heavy work slows down when both are busy, and no scheduling wins that back.
`parallel_efficiency` is `parallel_speedup` over that ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

from regie.demo.many import BIG_SCALE, ManyRegion, generate_many_operators
from regie.demo.server import FeedServer
from regie.store.paths import PROJECT_ROOT, resolve_paths

START = date(2026, 3, 2)
QUICK_OPERATORS, QUICK_BIG_SCALE = 8, 4
REGION = """\
name: Scale bench region
timezone: Europe/Paris
bbox: {{min_lon: {0}, min_lat: {1}, max_lon: {2}, max_lat: {3}}}
languages: [en]
as_of: {as_of}
collection: {{retries: 1, backoff_s: 0.2, allow_loopback: true}}
integration:
  publisher: {{name: Scale bench pool, url: "https://scale.example.org", contact_email: data@scale.example.org}}
"""
OPERATOR = """\
  - id: {id}
    name: {id}
    modes: [{mode}]
    contact: data@{id}.example
    licence: CC-BY-4.0
    openness: open
    member_from: 2024-01-01
    feeds:
      - id: gtfs
        kind: gtfs
        url: {url}
"""


def cached_region(cache: Path, operators: int, big_scale: int, seed: int = 7) -> ManyRegion:
    """The generated feeds, reused when the same parameters were generated before."""
    folder = cache / f"ops{operators}-big{big_scale}-seed{seed}-{START:%Y%m%d}"
    manifest = folder / "manifest.json"
    if manifest.is_file():
        return _region_from_json(folder, json.loads(manifest.read_text()))
    region = generate_many_operators(folder, operators=operators, start=START, seed=seed, big_scale=big_scale)
    manifest.write_text(json.dumps({"bbox": region.bbox, "operators": [
        {**asdict(op), "counts": asdict(op.counts)} for op in region.operators]}))
    return region


def _region_from_json(folder: Path, data: dict) -> ManyRegion:
    # lazy: only the cache's reader needs the counts' class
    from regie.demo.many import FeedCounts, ManyOperator
    operators = tuple(ManyOperator(op["operator_id"], op["mode"], op["file_name"], FeedCounts(**op["counts"]))
                      for op in data["operators"])
    return ManyRegion(folder, operators, tuple(data["bbox"]))


def write_configs(folder: Path, region: ManyRegion, server: FeedServer) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "region.yaml").write_text(REGION.format(*region.bbox, as_of=START.isoformat()))
    (folder / "tiers.yaml").write_text((PROJECT_ROOT / "configs" / "tiers.yaml").read_text())  # the demo's fee tiers
    (folder / "operators.yaml").write_text("operators:\n" + "".join(
        OPERATOR.format(id=op.operator_id, mode=op.mode, url=server.url(op.file_name)) for op in region.operators))
    return folder


def run_phase(phase: str, config_dir: Path, work: Path) -> dict:
    """One phase in a fresh Python process; its last line is its JSON figures."""
    return run_side_by_side(phase, config_dir, [work])[0]


def run_side_by_side(phase: str, config_dir: Path, works: list[Path]) -> list[dict]:
    """The same phase in one fresh process per work folder, all at once; each one's JSON figures."""
    processes = [subprocess.Popen(
        [sys.executable, "-m", "bench.scale", "--phase", phase, "--config-dir", str(config_dir), "--work", str(work)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for work in works]
    results = []
    for process in processes:
        stdout, stderr = process.communicate()
        lines = stdout.strip().splitlines()
        if process.returncode != 0 or not lines:
            raise SystemExit(f"{phase} phase failed ({process.returncode}):\n{stderr[-4000:]}")
        results.append(json.loads(lines[-1]))
    return results


def run(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench scale")
    parser.add_argument("--operators", type=int, default=None, help="how many operators (default 50, --quick 8)")
    parser.add_argument("--big-scale", type=int, default=None,
                        help=f"tiles of the biggest city bus (default {BIG_SCALE}: ~1M stop_times; --quick {QUICK_BIG_SCALE})")
    parser.add_argument("--quick", action="store_true", help="a small region, for a smoke run")
    parser.add_argument("--cache", type=Path, default=None, help="generated feeds (default <data dir>/cache/bench-scale)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the phases' instances and data in this folder (default: a temporary one, removed)")
    args = parser.parse_args(argv or [])
    operators = args.operators or (QUICK_OPERATORS if args.quick else 50)
    big_scale = args.big_scale or (QUICK_BIG_SCALE if args.quick else BIG_SCALE)
    cache = args.cache or resolve_paths().data_dir / "cache" / "bench-scale"

    began = time.perf_counter()
    region = cached_region(cache, operators, big_scale)
    print(f"{len(region.operators)} operators, {region.stop_times:,d} stop_times "
          f"(largest {max(op.counts.stop_times for op in region.operators):,d}), "
          f"feeds ready in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    with (tempfile.TemporaryDirectory(prefix="bench-scale-") as temporary, FeedServer(region.out_dir) as server):
        scratch = args.keep or temporary
        config_dir = write_configs(Path(scratch) / "configs", region, server)
        parallel = run_phase("parallel", config_dir, Path(scratch) / "parallel")
        print(f"parallel: {parallel}", file=sys.stderr)
        serial = run_phase("serial", config_dir, Path(scratch) / "serial")
        print(f"serial: {serial}", file=sys.stderr)
        # What two cores give this work at best: two copies of the serial refresh side by side
        # (nothing shared but the machine) against one alone.
        side_by_side = run_side_by_side("serial-refresh", config_dir, [Path(scratch) / f"side{n}" for n in (1, 2)])
        print(f"serial refresh, two side by side: {side_by_side}", file=sys.stderr)
    ceiling = 2 * serial["refresh_s"] / statistics.mean(result["refresh_s"] for result in side_by_side)
    speedup = serial["wall_s"] / parallel["wall_s"]
    return {
        "operators": len(region.operators),
        "stop_times": region.stop_times,
        "largest_operator_stop_times": max(op.counts.stop_times for op in region.operators),
        "wall_s": parallel["wall_s"],
        "refresh_wall_s": parallel["refresh_s"],
        "region_wall_s": parallel["region_s"],
        "serial_wall_s": serial["wall_s"],
        "serial_refresh_wall_s": serial["refresh_s"],
        "serial_region_wall_s": serial["region_s"],
        "parallel_speedup": round(speedup, 2),
        "two_core_ceiling": round(ceiling, 2),
        "parallel_efficiency": round(speedup / ceiling, 2),
        "refresh_speedup": round(serial["refresh_s"] / parallel["refresh_s"], 2),
        "peak_rss_mib": parallel["peak_rss_mib"],
        "serial_peak_rss_mib": serial["peak_rss_mib"],
        "operator_step_peak_rss_mib": parallel["operator_step_peak_rss_mib"],
        "per_process_start_s": parallel["per_process_start_s"],
        "forkserver_start_s": parallel["forkserver_start_s"],
        "step_processes": parallel["step_processes"],
        "succeeded": parallel["succeeded"] and serial["succeeded"] and all(r["succeeded"] for r in side_by_side),
        "cpus": os.cpu_count(),
    }


# --- the phases, each in its own process -------------------------------------------------------

def _instance(folder: Path):
    # lazy: Dagster is imported by the phase processes only, not timed
    from dagster import DagsterInstance
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return DagsterInstance.from_config(str(folder))


def _run_config(config_dir: Path, work: Path) -> dict:
    return {"resources": {"pool": {"config": {"config_dir": str(config_dir), "data_dir": str(work / "data")}}},
            "loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _peak_rss_mib() -> float:
    """The largest of this process and its reaped descendants (Linux keeps the largest child's)."""
    return round(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                     resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024, 1)


def parallel_phase(config_dir: Path, work: Path) -> dict:
    # lazy: Dagster and the definitions are imported by the phase process only
    import multiprocessing
    import multiprocessing.forkserver

    from dagster import DagsterEventType, execute_job
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    from pipelines.parallel import PRELOADED_MODULES
    instance = _instance(work / "dagster")
    repository = ReconstructableRepository.for_module("pipelines.definitions", "defs", working_directory=str(PROJECT_ROOT))
    run_config = _run_config(config_dir, work)
    region_config = {**run_config, "execution": {"config": {"multiprocess": {
        "max_concurrent": os.cpu_count() or 2,
        "start_method": {"forkserver": {"preload_modules": PRELOADED_MODULES}}}}}}
    # The forkserver starts (and imports the preloaded modules) before the clock, as the serial
    # phase's imports do: both time the work only. Its start-up is reported apart.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED_MODULES)
    forkserver_began = time.perf_counter()
    multiprocessing.forkserver.ensure_running()
    warm = context.Process(target=os.getpid)
    warm.start()  # returns once the forkserver preloaded its modules and forked
    warm.join()
    forkserver_s = time.perf_counter() - forkserver_began
    refresh_job, region_job = (repository.get_reconstructable_job(name) for name in ("refresh_pool", "region_outputs"))
    for reconstructable in (refresh_job, region_job):  # the definitions built before the clock, as the serial phase's
        reconstructable.get_definition()
    began = time.perf_counter()
    with execute_job(refresh_job, instance=instance,
                     run_config=run_config, raise_on_error=False) as refresh:
        refreshed = time.perf_counter()
        events = list(refresh.all_events)
        refresh_ok = refresh.success
    with execute_job(region_job, instance=instance,
                     run_config=region_config, raise_on_error=False) as outputs:
        finished = time.perf_counter()
        events += outputs.all_events
        region_ok = outputs.success
    multiprocessing.forkserver._forkserver._stop()  # type: ignore[attr-defined]  # private, kept for tests; reaped: its step processes' peak reaches RUSAGE_CHILDREN
    metadata = [event.step_output_data.metadata for event in events
                if event.event_type == DagsterEventType.STEP_OUTPUT and (event.step_key or "").startswith("refresh_operators")]
    starts = [float(entry["process_start_to_work_s"].value) for entry in metadata  # type: ignore[arg-type]  # a float
              if "process_start_to_work_s" in entry]
    step_peaks = [float(entry["process_peak_rss_mib"].value) for entry in metadata  # type: ignore[arg-type]  # a float
                  if "process_peak_rss_mib" in entry]
    return {"wall_s": round(finished - began, 2), "refresh_s": round(refreshed - began, 2),
            "region_s": round(finished - refreshed, 2), "peak_rss_mib": _peak_rss_mib(),
            "forkserver_start_s": round(forkserver_s, 2), "operator_step_peak_rss_mib": max(step_peaks, default=None),
            "per_process_start_s": round(statistics.median(starts), 3) if starts else None,
            "step_processes": len({event.pid for event in events if event.event_type == DagsterEventType.STEP_START}),
            "succeeded": refresh_ok and region_ok}


def serial_phase(config_dir: Path, work: Path, *, refresh_only: bool = False) -> dict:
    # lazy: Dagster and the definitions are imported by the phase process only
    import importlib

    from pipelines.definitions import defs
    from pipelines.parallel import PRELOADED_MODULES
    for module in PRELOADED_MODULES:  # what the parallel phase's forkserver imports before its clock
        importlib.import_module(module)
    instance = _instance(work / "dagster")
    run_config = _run_config(config_dir, work)
    began = time.perf_counter()
    refresh = defs.resolve_job_def("refresh_pool").execute_in_process(
        run_config=run_config, instance=instance, raise_on_error=False)
    refreshed = time.perf_counter()
    if refresh_only:
        return {"refresh_s": round(refreshed - began, 2), "succeeded": refresh.success}
    outputs = defs.resolve_job_def("region_outputs").execute_in_process(
        run_config=run_config, instance=instance, raise_on_error=False)
    finished = time.perf_counter()
    return {"wall_s": round(finished - began, 2), "refresh_s": round(refreshed - began, 2),
            "region_s": round(finished - refreshed, 2), "peak_rss_mib": _peak_rss_mib(),
            "succeeded": refresh.success and outputs.success}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("--phase", choices=("parallel", "serial", "serial-refresh"), required=True)
    parser.add_argument("--config-dir", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.phase == "parallel":
        figures = parallel_phase(args.config_dir, args.work)
    else:
        figures = serial_phase(args.config_dir, args.work, refresh_only=args.phase == "serial-refresh")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
