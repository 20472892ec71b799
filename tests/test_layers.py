"""The project's layers run one way (see the README's section for contributors).

Every import of a project module, at the top of a module or inside a function, goes to a lower
layer or stays inside its own package; packages of one layer do not import each other. A project
import inside a function is allowed only where it keeps a start-up fast (the CLI, the engine's
child process) and says so in a comment on its line or the line above ("lazy").
"""

from __future__ import annotations

import ast
from pathlib import Path

from regie.store.paths import PROJECT_ROOT

LAYERS: list[tuple[str, ...]] = [  # bottom to top
    ("regie.gtfs",),
    ("regie.config",),
    ("regie.store", "regie.pages"),
    ("regie.collect", "regie.alerts"),
    ("quality",),
    ("regie.pool",),
    ("regie.integrate", "regie.fees", "regie.journeys"),
    ("regie.demo", "regie.status", "regie.publish", "regie.serve"),
    ("assets",),
    ("pipelines",),
    ("regie.cli",),
]
ROOTS = ("regie", "quality", "assets", "pipelines")


def _package(module: str) -> str | None:
    """The layer package that holds `module` (None: not a project module, or the bare `regie`)."""
    for packages in LAYERS:
        for package in packages:
            if module == package or module.startswith(package + "."):
                return package
    return None


def _layer(package: str) -> int:
    return next(index for index, packages in enumerate(LAYERS) if package in packages)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.Module) -> list[tuple[ast.stmt, str, bool]]:
    """(statement, imported module, inside a function) of every import in the module."""
    found: list[tuple[ast.stmt, str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((child, alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child, child.module, in_function))
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # annotations only
            visit(child, inside)

    visit(tree, False)
    return found


def _sources() -> list[Path]:
    return sorted(path for root in ROOTS for path in (PROJECT_ROOT / root).rglob("*.py"))


def test_every_project_module_sits_in_a_layer():
    unplaced = [_module_name(path) for path in _sources()
                if _package(_module_name(path)) is None and _module_name(path) != "regie"]
    assert not unplaced


def test_imports_run_down_the_layers():
    upward = []
    for path in _sources():
        source = _package(_module_name(path))
        if source is None:
            continue
        for statement, module, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = _package(module)
            if target is None or target == source:
                continue
            if _layer(target) >= _layer(source):
                upward.append(f"{path.relative_to(PROJECT_ROOT)}:{statement.lineno} {source} imports {module}")
    assert not upward, "\n".join(upward)


def test_no_project_import_hides_in_a_function_without_saying_why():
    hidden = []
    for path in _sources():
        lines = path.read_text(encoding="utf-8").splitlines()
        for statement, module, in_function in _imports(ast.parse("\n".join(lines))):
            if not in_function or module.split(".")[0] not in ROOTS:
                continue
            first = statement.lineno - 1
            while first > 0 and lines[first - 1].strip().startswith(("from ", "import ", "#")):
                first -= 1  # the block of imports this one belongs to, and the comment above it
            said = " ".join(lines[max(first - 1, 0):statement.end_lineno or statement.lineno])
            if "lazy" not in said.lower():
                hidden.append(f"{path.relative_to(PROJECT_ROOT)}:{statement.lineno} {module}")
    assert not hidden, "\n".join(hidden)


def test_the_library_imports_no_dagster():
    dagster = [f"{path.relative_to(PROJECT_ROOT)}:{statement.lineno}"
               for path in _sources() if _module_name(path).split(".")[0] in ("regie", "quality")
               for statement, module, _ in _imports(ast.parse(path.read_text(encoding="utf-8")))
               if module.split(".")[0] == "dagster"]
    assert not dagster
