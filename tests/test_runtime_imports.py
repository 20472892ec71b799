"""`make demo` installs only the runtime lock: the pipeline and the CLI must import without the
development packages (PostgreSQL's driver is the optional `postgres` extra)."""

from __future__ import annotations

import subprocess
import sys

from regie.store.paths import PROJECT_ROOT

DEV_ONLY = ["psycopg", "psycopg_binary", "selenium", "moto", "pytest", "hypothesis", "gtfs_validator"]


def test_the_pipeline_imports_without_development_packages():
    blocker = ("import sys\n"
               f"for name in {DEV_ONLY!r}:\n"
               "    sys.modules[name] = None  # an import of it fails, as when it is not installed\n"
               "import pipelines.definitions, regie.cli.main, regie.publish.database, regie.serve.app\n")
    done = subprocess.run([sys.executable, "-c", blocker], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
