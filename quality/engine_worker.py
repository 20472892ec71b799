"""The child process of `quality.engine.GtfsGuruEngine`: validate one feed, write its notices.

    python -m quality.engine_worker FEED DATE OUT [--memory-mib N] [--country-code CC]

The memory limit (RLIMIT_AS) is set after the imports, so it bounds everything the validation
allocates; it covers the whole address space, of which the interpreter and libraries take about
0.45 GiB. OUT is JSON ({"notices": [records], "peak_rss_mib": n}), written atomically. The child imports neither
pandas nor pyarrow: its memory is gtfs-guru's.
Exit codes: 0 written, OUT_OF_MEMORY_EXIT when Python ran out of memory, anything else a failure.
"""

from __future__ import annotations

import json
import resource
import sys
from datetime import date

OUT_OF_MEMORY_EXIT = 75
USAGE = "python -m quality.engine_worker FEED DATE OUT [--memory-mib N] [--country-code CC]"


def _peak_rss_mib() -> float | None:
    """This process's peak resident memory since exec (VmHWM), unlike ru_maxrss which also counts
    the pages of the parent it was forked from."""
    with open("/proc/self/status", encoding="ascii") as status:
        lines = status.read().splitlines()
    for line in lines:
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def parse_args(argv: list[str]) -> tuple[str, date, str, int, str | None]:
    """FEED, date, OUT, memory limit (MiB, 0: none), country code. Not argparse: only
    `quality.engine` calls this, and argparse alone adds ~9 ms to every start."""
    try:
        feed, day, out, *rest = argv
        options = dict(zip(rest[::2], rest[1::2], strict=True))
        if unknown := set(options) - {"--memory-mib", "--country-code"}:
            raise ValueError(f"unknown options {sorted(unknown)}")
        return feed, date.fromisoformat(day), out, int(options.get("--memory-mib", 0)), options.get("--country-code")
    except ValueError as exc:
        raise SystemExit(f"usage: {USAGE} ({exc})") from None


def main(argv: list[str] | None = None) -> int:
    feed, validation_date, out, memory_mib, country_code = parse_args(sys.argv[1:] if argv is None else argv)

    import gtfs_guru  # noqa: F401  (imported lazily by canonical_notices: load it before the limit)

    # lazy: parse the arguments before the heavy imports, and load gtfs_guru before the memory limit
    from quality.canonical import canonical_records
    from regie.gtfs.atomic import write_atomic_text

    if memory_mib > 0:
        limit = memory_mib << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        records = canonical_records(feed, validation_date, country_code)
        write_atomic_text(out, json.dumps({"notices": records, "peak_rss_mib": _peak_rss_mib()}, default=str))
    except MemoryError:
        print("MemoryError: out of memory", file=sys.stderr)
        return OUT_OF_MEMORY_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
