"""Checks of a finished release: no trace of a restricted operator in any published file (inside
zips and Parquet files too), and a catalogue that conforms to the SHACL shapes."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from regie.config import Registry
from regie.gtfs.feed_tables import TableLookup, read_feed_tables
from regie.publish.conformance import load_shapes, shapes_dir, violations
from regie.publish.leaks import registry_fingerprint, scan_folder
from regie.publish.release import PUBLIC_DIR


def release_leaks(release_dir: Path, data_dir: Path, registry: Registry) -> list[str]:
    """Every trace of a restricted operator in the release's files (`regie.publish.leaks`), with
    the fingerprint taken from the internal regional feed (names from the registry alone when
    there is none)."""
    internal = Path(data_dir) / "integration" / "internal" / "regional.zip"
    tables: TableLookup = read_feed_tables(internal) if internal.is_file() else {}
    return [str(leak) for leak in scan_folder(Path(release_dir), registry_fingerprint(tables, registry))]


def catalogue_violations(release_dir: Path) -> list[str] | None:
    """SHACL violations of the release's catalogue; None when the shapes are not available here."""
    folder = shapes_dir()
    if folder is None:
        return None
    graph = Graph().parse(Path(release_dir) / PUBLIC_DIR / "catalogue.ttl", format="turtle")
    return violations(graph, load_shapes(folder))
