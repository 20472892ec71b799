"""Run one benchmark: `python -m bench NAME`. The last line printed is a JSON object."""

from __future__ import annotations

import importlib
import json
import sys

BENCHMARKS = {"collect": "bench.collect", "validate": "bench.validate", "fees": "bench.fees",
              "merge": "bench.merge"}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in BENCHMARKS:
        print(f"usage: python -m bench {{{'|'.join(BENCHMARKS)}}}", file=sys.stderr)
        return 2
    result = importlib.import_module(BENCHMARKS[argv[0]]).run()
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
