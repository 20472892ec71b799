"""Generate the demo region: `python -m regie.demo OUT_DIR [--start YYYY-MM-DD] [--seed N]
[--scale K] [--gbfs-base-url URL]`."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from regie.demo.generator import DEFAULT_GBFS_BASE_URL, generate_demo_region


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m regie.demo", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--start", type=date.fromisoformat, default=date.today(),
                        help="first service day, YYYY-MM-DD (default: today)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=int, default=1, help="city bus network size multiplier")
    parser.add_argument("--gbfs-base-url", default=DEFAULT_GBFS_BASE_URL)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    manifest = generate_demo_region(args.out_dir, start=args.start, seed=args.seed,
                                    scale=args.scale, gbfs_base_url=args.gbfs_base_url)
    for f in manifest.files:
        print(f"{f.sha256[:12]}  {f.size:>10,d}  {f.path}")
    for operator, c in manifest.counts.items():
        print(f"{operator:>15}: {c.stops:,d} stops, {c.routes} routes, {c.trips:,d} trips, "
              f"{c.stop_times:,d} stop_times")
    print(f"{'bizi':>15}: {manifest.bike_stations} stations")
    print(f"generated in {time.perf_counter() - began:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
