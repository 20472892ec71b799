"""The child process of `quality.engine.GtfsGuruEngine`: validate one feed, write its notices.

    python -m quality.engine_worker FEED DATE OUT [--memory-mib N] [--country-code CC]

The memory limit (RLIMIT_AS) is set after the imports, so it bounds everything the validation
allocates; it covers the whole address space, of which the interpreter and libraries take about
0.45 GiB. OUT is JSON ({"notices": [records], "peak_rss_mib": n}), written atomically. The child imports neither
pandas nor pyarrow: its memory is gtfs-guru's.
Exit codes: 0 written, OUT_OF_MEMORY_EXIT when Python ran out of memory, anything else a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
from datetime import date
from pathlib import Path

OUT_OF_MEMORY_EXIT = 75


def _peak_rss_mib() -> float | None:
    """This process's peak resident memory since exec (VmHWM), unlike ru_maxrss which also counts
    the pages of the parent it was forked from."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quality.engine_worker")
    parser.add_argument("feed", type=Path)
    parser.add_argument("validation_date", type=date.fromisoformat)
    parser.add_argument("out", type=Path)
    parser.add_argument("--memory-mib", type=int, default=0)
    parser.add_argument("--country-code", default=None)
    args = parser.parse_args(argv)

    import gtfs_guru  # noqa: F401  (imported lazily by canonical_notices: load it before the limit)

    from quality.canonical import canonical_records

    if args.memory_mib > 0:
        limit = args.memory_mib << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        records = canonical_records(args.feed, args.validation_date, args.country_code)
        partial = args.out.with_name(args.out.name + ".part")
        with open(partial, "w", encoding="utf-8") as out:
            json.dump({"notices": records, "peak_rss_mib": _peak_rss_mib()}, out, default=str)
        os.replace(partial, args.out)
    except MemoryError:
        print("MemoryError: out of memory", file=sys.stderr)
        return OUT_OF_MEMORY_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
