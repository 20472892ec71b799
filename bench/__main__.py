"""Run one benchmark: `python -m bench NAME`. The last line printed is a JSON object."""

from __future__ import annotations

import importlib
import json
import sys

BENCHMARKS = {"collect": "bench.collect", "validate": "bench.validate", "validate_cli": "bench.validate_cli",
              "fees": "bench.fees",
              "merge": "bench.merge", "publish": "bench.publish", "journeys": "bench.journeys",
              "api": "bench.api", "scale": "bench.scale",
              "status": "bench.status"}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in BENCHMARKS:
        print(f"usage: python -m bench {{{'|'.join(BENCHMARKS)}}}", file=sys.stderr)
        return 2
    module = importlib.import_module(BENCHMARKS[argv[0]])
    result = module.run(argv[1:]) if argv[1:] else module.run()  # options only for benchmarks taking them
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
