"""Validate a catalogue with pyshacl against the DCAT-AP 3.0.0 shapes (`shapes.ttl`, `range.ttl`)
and mobilityDCAT-AP 1.0.0's own shapes, read from local files: their `owl:imports` (web
addresses) are dropped, never fetched. The shapes are specifications kept outside the project
(`../shared/data/schemas/`, or `REGIE_SHACL_DIR`); see that folder's README.md."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Namespace
from rdflib.namespace import OWL, RDF

from regie.store.paths import PROJECT_ROOT, shared_feeds_dir

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPE_FILES = ("dcat-ap-3.0.0/shapes.ttl", "dcat-ap-3.0.0/range.ttl", "mobilitydcat-ap-1.0.0/mobilitydcat-ap_shacl_shapes.ttl")


def shapes_dir(env: Mapping[str, str] | None = None) -> Path | None:
    """The schemas folder: REGIE_SHACL_DIR, else ../shared/data/schemas beside the project, else
    beside the test feeds' folder (a clean clone elsewhere); None when absent."""
    variables = os.environ if env is None else env
    candidates = [Path(variables["REGIE_SHACL_DIR"])] if variables.get("REGIE_SHACL_DIR") else []
    candidates += [PROJECT_ROOT.parent / "shared" / "data" / "schemas", shared_feeds_dir(variables).parent / "schemas"]
    return next((path for path in candidates if all((path / name).is_file() for name in SHAPE_FILES)), None)


def load_shapes(folder: Path) -> Graph:
    shapes = Graph()
    for name in SHAPE_FILES:
        shapes.parse(folder / name, format="turtle")
    shapes.remove((None, OWL.imports, None))
    return shapes


def violations(data: Graph, shapes: Graph) -> list[str]:
    """One line per result of severity sh:Violation (focus node, path, message); empty when it conforms."""
    _conforms, results, _text = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True,
                                         do_owl_imports=False, advanced=False)
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(result, SH.resultSeverity) != SH.Violation:
            continue
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        found.append(f"{focus} {path}: {message}")
    return sorted(found)
