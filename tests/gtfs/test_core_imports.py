"""The GTFS core stands alone: it imports nothing of the project outside `regie.gtfs`, and the
modules the sandboxed engine worker loads at each start pull in neither pandas nor pyarrow."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "regie" / "gtfs"
FORBIDDEN_TOP = {"quality", "assets", "pipelines", "dagster"}


def _imported_modules(source: str) -> list[str]:
    """Every module an import statement of a core module's `source` names, anywhere in the file:
    `from X import y` counts as X.y (so `from regie import store` is regie.store), relative imports
    resolved against regie.gtfs."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            package = ["regie", "gtfs"][: 3 - node.level] if node.level else []
            module = ".".join([*package, *([node.module] if node.module else [])])
            names += [f"{module}.{alias.name}" for alias in node.names]
    return names


def _outside_core(module: str) -> bool:
    top = module.split(".")[0]
    inside = module == "regie.gtfs" or module.startswith("regie.gtfs.")
    return top in FORBIDDEN_TOP or (top == "regie" and not inside)


def test_core_modules_import_nothing_of_the_project_outside_the_core():
    files = sorted(CORE.glob("*.py"))
    assert {"atomic.py", "feed_tables.py", "csv_text.py", "zip_writer.py"} <= {f.name for f in files}
    outside = {f"{path.name}: {module}" for path in files
               for module in _imported_modules(path.read_text(encoding="utf-8")) if _outside_core(module)}
    assert outside == set()


def test_import_check_sees_what_it_must_refuse():
    source = """
import numpy as np
from regie.gtfs.columns import column
from . import tables
from regie import store
from .. import pool
import quality.engine
def later():
    from assets import feeds
    import dagster
    from pipelines.jobs import job
from regie.integrate.merge import regional
"""
    refused = {module for module in _imported_modules(source) if _outside_core(module)}
    assert refused == {"regie.store", "regie.pool", "quality.engine", "assets.feeds", "dagster", "pipelines.jobs.job",
                       "regie.integrate.merge.regional"}


def test_core_package_init_imports_nothing():
    tree = ast.parse((CORE / "__init__.py").read_text(encoding="utf-8"))
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]


def _loaded_in_a_bare_child(modules: str) -> dict[str, bool]:
    """Start Python as `quality.engine` starts its worker (-S, PYTHONPATH: the project root and the
    folder gtfs_guru comes from, where pandas and pyarrow are importable too), import `modules`,
    and report which heavy libraries got loaded."""
    spec = importlib.util.find_spec("gtfs_guru")
    engine_dir = str(Path(spec.origin).parent.parent) if spec is not None and spec.origin else None
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), engine_dir]))}
    code = (f"import json, sys, {modules}; "
            "print(json.dumps({name: name in sys.modules for name in ('pandas', 'pyarrow', 'regie.gtfs.atomic')}))")
    done = subprocess.run([sys.executable, "-S", "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_engine_worker_modules_load_neither_pandas_nor_pyarrow():
    loaded = _loaded_in_a_bare_child("quality.engine_worker, regie.gtfs.atomic, regie.gtfs.members")
    assert loaded == {"pandas": False, "pyarrow": False, "regie.gtfs.atomic": True}


def test_bare_child_reports_pandas_when_a_module_loads_it():
    loaded = _loaded_in_a_bare_child("regie.gtfs.feed_tables")
    assert loaded["pandas"] and loaded["pyarrow"]
