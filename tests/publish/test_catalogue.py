"""The release's catalogue: mobilityDCAT-AP, valid offline against the DCAT-AP 3.0.0 and
mobilityDCAT-AP 1.0.0 SHACL shapes, and true to the files it describes."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from regie.publish.catalogue import DQV, MOBILITY, SPDX
from regie.publish.conformance import load_shapes, shapes_dir, violations
from regie.publish.run import PublishContext, publish
from tests.publish.conftest import demo_region, demo_registry

T0 = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    folder = shapes_dir()
    if folder is None:
        message = "the SHACL shapes (../shared/data/schemas or REGIE_SHACL_DIR) are not here"
        if os.environ.get("CI"):
            pytest.fail(f"CI must validate the catalogue: {message}")
        pytest.skip(message)
    return load_shapes(folder)


@pytest.fixture
def release(pool_data_dir: Path) -> Path:
    return publish(PublishContext(pool_data_dir, demo_region(), demo_registry()), now=T0).release_dir / "site"


def test_the_catalogue_conforms_to_dcat_ap_and_mobilitydcat_ap(release: Path, shapes: Graph):
    for name, fmt in (("catalogue.jsonld", "json-ld"), ("catalogue.ttl", "turtle")):
        graph = Graph().parse(release / name, format=fmt)
        assert len(graph) > 100
        assert violations(graph, shapes) == [], name


def test_a_dataset_without_title_or_theme_is_a_violation(release: Path, shapes: Graph):
    graph = Graph().parse(release / "catalogue.ttl", format="turtle")
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    graph.remove((dataset, DCTERMS.title, None))
    graph.remove((dataset, MOBILITY.mobilityTheme, None))
    found = violations(graph, shapes)
    assert any("title" in line for line in found) and any("mobilityTheme" in line for line in found)


def test_every_distribution_matches_its_file(release: Path):
    graph = Graph().parse(release / "catalogue.ttl", format="turtle")
    sums = dict(reversed(line.split("  ", 1)) for line in (release / "SHA256SUMS").read_text().splitlines())
    distributions = list(graph.subjects(RDF.type, DCAT.Distribution))
    assert len(distributions) >= 20
    for node in distributions:
        url = str(graph.value(node, DCAT.downloadURL))
        release_id, relative = url.split("/releases/", 1)[1].split("/site/", 1)
        assert release_id == release.parent.name
        path = release / relative
        checksum = graph.value(node, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(graph.value(checksum, SPDX.checksumValue)) == sums[relative]
        assert int(graph.value(node, DCAT.byteSize).toPython()) == path.stat().st_size
        assert graph.value(node, MOBILITY.mobilityDataStandard) is not None
        assert graph.value(node, DCAT.mediaType) is not None


def _licences(graph: Graph, dataset) -> set[str]:
    return {str(graph.value(part, DCTERMS.license)) for part in graph.objects(dataset, DCAT.distribution)}


def test_datasets_carry_languages_coverage_modes_licence_and_quality(release: Path):
    graph = Graph().parse(release / "catalogue.jsonld", format="json-ld")
    datasets = {str(graph.value(node, DCTERMS.identifier)): node for node in graph.subjects(RDF.type, DCAT.Dataset)}
    assert set(datasets) == {"regional-gtfs", "kosta-rail-gtfs", "hiribus-gtfs", "txingudi-ferry-gtfs", "bizi-gbfs"}
    regional = datasets["regional-gtfs"]
    assert {title.language for title in graph.objects(regional, DCTERMS.title)} == {"fr", "es", "eu", "en"}
    assert _licences(graph, regional) == {"http://spdx.org/licenses/ODbL-1.0"}  # Hiribus is ODbL: share-alike
    period = graph.value(regional, DCTERMS.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2026-03-02", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))
    assert "POLYGON" in str(graph.value(graph.value(regional, DCTERMS.spatial), DCAT.bbox))
    modes = {str(mode).rsplit("/", 1)[1] for mode in graph.objects(regional, MOBILITY.transportMode)}
    assert modes == {"bus", "regional-and-local-rail", "shuttle-ferry"}
    assert _licences(graph, datasets["kosta-rail-gtfs"]) == {"http://spdx.org/licenses/CC-BY-4.0"}
    measurement = graph.value(datasets["kosta-rail-gtfs"], DQV.hasQualityMeasurement)
    assert float(graph.value(measurement, DQV.value).toPython()) == 80.0
    standards = {str(graph.value(node, DCTERMS.conformsTo)) for node in graph.objects(datasets["bizi-gbfs"], DCAT.distribution)}
    assert standards == {"https://gbfs.org/specification/reference/"}
