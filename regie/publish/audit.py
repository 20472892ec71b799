"""Checks of a finished release: no trace of a restricted operator in any published file (inside
zips and Parquet files too), and a catalogue that conforms to the SHACL shapes."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
from rdflib import Graph

from regie.config import Operator
from regie.publish.conformance import load_shapes, shapes_dir, violations
from regie.publish.release import PUBLIC_DIR

_PARQUET_BATCH = 65_536


def restricted_markers(operators: list[Operator]) -> dict[str, list[bytes]]:
    """Per restricted operator, what would betray its data: its namespace prefix `<id>:`, its id
    and its name (lower case; searched case-insensitively)."""
    return {op.id: sorted({f"{op.id}:".lower().encode(), op.id.lower().encode(), op.name.lower().encode()})
            for op in operators if op.openness == "restricted"}


def _texts(path: Path) -> Iterator[tuple[str, bytes]]:
    """(where, lower-case bytes) of a file: its name and bytes, each zip member, Parquet values."""
    yield path.name, path.name.lower().encode()
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                yield f"{path.name}!{name}", name.lower().encode() + b"\n" + archive.read(name).lower()
    elif path.suffix == ".parquet":
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH):
            yield path.name, repr(batch.to_pylist()).lower().encode()
    else:
        yield path.name, path.read_bytes().lower()


def restricted_traces(release_dir: Path, operators: list[Operator]) -> list[str]:
    """`<file>: <operator> (<marker>)` for every published file that holds a restricted operator's
    marker; empty when the release is clean."""
    markers = restricted_markers(operators)
    if not markers:
        return []
    found = []
    for path in sorted(p for p in Path(release_dir).rglob("*") if p.is_file()):
        relative = path.relative_to(release_dir).as_posix()
        for where, text in _texts(path):
            hits = [f"{op} ({marker.decode()})" for op, op_markers in markers.items()
                    for marker in op_markers if marker in text]
            if hits:
                found.append(f"{relative} [{where}]: {', '.join(hits)}")
                break
    return found


def catalogue_violations(release_dir: Path) -> list[str] | None:
    """SHACL violations of the release's catalogue; None when the shapes are not available here."""
    folder = shapes_dir()
    if folder is None:
        return None
    graph = Graph().parse(Path(release_dir) / PUBLIC_DIR / "catalogue.ttl", format="turtle")
    return violations(graph, load_shapes(folder))
