"""The release's metadata catalogue: DCAT-AP 3 following mobilityDCAT-AP 1.0 (the profile of the
EU's National Access Points for transport data), built with rdflib and written as JSON-LD
(`catalogue.jsonld`) and Turtle (`catalogue.ttl`).

Per dataset: title and description in each of the region's languages (from the pages' message
catalogues), publisher and rights holder (foaf:Agent), a vCard contact point, the licence (SPDX
URI) and a rights statement, temporal coverage from the calendars, spatial coverage as a
bounding box (dcat:bbox, a WKT literal), mobility theme and transport modes (mobilityDCAT-AP
vocabularies), the reference system (EPSG:4326), and each operator's quality score as a DQV
quality measurement. Per distribution: media type, format, byte size, SHA-256 checksum
(spdx:checksum), access and download URLs, the data standard (dct:conformsTo and
mobilitydcatap:mobilityDataStandard), issued and modified dates.

Every node is typed with the class the DCAT-AP range shapes expect, so the catalogue validates
offline against the DCAT-AP 3.0.0 and mobilityDCAT-AP 1.0.0 shapes (tests/publish).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, XSD

from regie.config.operators import BoundingBox
from regie.publish.licences import Licence
from regie.publish.release import LATEST, PUBLIC_DIR

MOBILITY = Namespace("http://w3id.org/mobilitydcat-ap#")  # the namespace of the 1.0.0 release files
MOBILITY_VOCAB = "https://w3id.org/mobilitydcat-ap/"
DQV = Namespace("http://www.w3.org/ns/dqv#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
LANGUAGE_AUTHORITY = "http://publications.europa.eu/resource/authority/language/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
WGS84 = URIRef("http://www.opengis.net/def/crs/EPSG/0/4326")
LANGUAGE_CODES = {"en": "ENG", "fr": "FRA", "es": "SPA", "eu": "EUS", "de": "DEU", "it": "ITA", "nl": "NLD",
                  "pt": "POR", "ca": "CAT", "gl": "GLG", "oc": "OCI", "br": "BRE"}

STANDARDS = {  # data standard -> (mobilityDCAT-AP concept, specification page, title)
    "gtfs": ("gtfs", "https://gtfs.org/documentation/schedule/reference/", "GTFS Schedule"),
    "gbfs": ("gbfs", "https://gbfs.org/specification/reference/", "General Bikeshare Feed Specification (GBFS)"),
    "other": ("other", None, None),
}
THEMES = {"gtfs": "public-transport-scheduled-transport", "gbfs": "sharing-and-hiring-services",
          "other": "public-transport-scheduled-transport"}
TRANSPORT_MODES = {
    "bus": "bus", "trolleybus": "bus", "coach": "long-distance-coach", "tram": "tram-light-rail",
    "metro": "metro-subway-train", "rail": "regional-and-local-rail", "ferry": "shuttle-ferry",
    "monorail": "other", "funicular": "other", "cable_car": "other", "demand_responsive": "ride-pooling",
    "bike_share": "bike-sharing", "car_share": "car-sharing", "scooter_share": "e-scooter",
}
FORMATS = {  # media type -> EU file type
    "application/zip": "ZIP", "text/csv": "CSV", "application/vnd.apache.parquet": "PARQUET",
    "application/geo+json": "GEOJSON", "application/json": "JSON", "text/html": "HTML", "text/plain": "TXT",
}
QUALITY_METRIC_KEY = "quality-score"
DCAT_VERSION = URIRef(f"{DCAT}version")  # DCAT 3; rdflib 7 lists DCAT 2 terms only


@dataclass(frozen=True)
class Distribution:
    path: str  # relative to the release folder
    title: str
    media_type: str
    byte_size: int
    sha256: str
    standard: str  # key of STANDARDS


@dataclass
class Dataset:
    key: str  # slug, unique in the catalogue
    titles: dict[str, str]  # language -> text
    descriptions: dict[str, str]
    licence: Licence
    rights: str
    rights_holder: str  # an operator's name, or the publisher's
    modes: Sequence[str]
    standard: str
    distributions: list[Distribution]
    temporal: tuple[date | None, date | None] = (None, None)
    bbox: BoundingBox | None = None
    quality_score: float | None = None
    quality_report: str | None = None  # relative path of the report page
    keywords: list[str] = field(default_factory=list)
    modified: datetime | None = None  # when its content last changed (default: this release)


@dataclass(frozen=True)
class CatalogueInfo:
    title: dict[str, str]
    description: dict[str, str]
    publisher: str
    homepage: str | None
    contact_email: str
    base_url: str  # ends with "/": the public address of the releases folder (data/releases/)
    release_id: str
    issued: datetime  # the first release
    modified: datetime  # this release
    languages: list[str]


def build_catalogue(info: CatalogueInfo, datasets: list[Dataset]) -> Graph:
    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("mobilitydcatap", MOBILITY),
                              ("dqv", DQV), ("spdx", SPDX), ("vcard", VCARD), ("skos", SKOS), ("gsp", GSP)):
        graph.bind(prefix, namespace)
    base = info.base_url
    catalogue = URIRef(f"{base}catalogue")
    release_base = f"{base}{info.release_id}/{PUBLIC_DIR}/"  # where the release's files are
    publisher = _agent(graph, URIRef(f"{base}catalogue#publisher"), info.publisher, info.homepage)
    contact = _contact(graph, URIRef(f"{base}catalogue#contact"), info.publisher, info.contact_email)
    metric = _quality_metric(graph, URIRef(f"{base}catalogue#{QUALITY_METRIC_KEY}"))
    languages = [_language(graph, code) for code in info.languages]

    graph.add((catalogue, RDF.type, DCAT.Catalog))
    _texts(graph, catalogue, DCTERMS.title, info.title)
    _texts(graph, catalogue, DCTERMS.description, info.description)
    graph.add((catalogue, DCTERMS.publisher, publisher))
    graph.add((catalogue, DCTERMS.issued, _datetime(info.issued)))
    graph.add((catalogue, DCTERMS.modified, _datetime(info.modified)))
    if info.homepage:
        graph.add((catalogue, FOAF.homepage, _document(graph, info.homepage)))
    for language in languages:
        graph.add((catalogue, DCTERMS.language, language))

    for dataset in datasets:
        node = URIRef(f"{base}catalogue#dataset-{dataset.key}")
        graph.add((catalogue, DCAT.dataset, node))
        _dataset(graph, node, dataset, info, release_base, publisher, contact, metric, languages)
        record = URIRef(f"{base}catalogue#record-{dataset.key}")
        graph.add((catalogue, DCAT.record, record))
        graph.add((record, RDF.type, DCAT.CatalogRecord))
        graph.add((record, FOAF.primaryTopic, node))
        graph.add((record, DCTERMS.created, _datetime(info.issued)))
        graph.add((record, DCTERMS.modified, _datetime(info.modified)))
        graph.add((record, DCTERMS.publisher, publisher))
    return graph


def _dataset(graph: Graph, node: URIRef, dataset: Dataset, info: CatalogueInfo, release_base: str,
             publisher: URIRef, contact: URIRef, metric: URIRef, languages: list[URIRef]) -> None:
    graph.add((node, RDF.type, DCAT.Dataset))
    _texts(graph, node, DCTERMS.title, dataset.titles)
    _texts(graph, node, DCTERMS.description, dataset.descriptions)
    graph.add((node, DCTERMS.identifier, Literal(dataset.key)))
    graph.add((node, DCTERMS.publisher, publisher))
    holder = (publisher if dataset.rights_holder == info.publisher else
              _agent(graph, URIRef(f"{info.base_url}catalogue#rights-holder-{dataset.key}"), dataset.rights_holder, None))
    graph.add((node, DCTERMS.rightsHolder, holder))
    graph.add((node, DCAT.contactPoint, contact))
    graph.add((node, DCTERMS.issued, _datetime(info.issued)))
    graph.add((node, DCTERMS.modified, _datetime(dataset.modified or info.modified)))
    graph.add((node, DCAT_VERSION, Literal(info.release_id)))
    graph.add((node, DCAT.landingPage, _document(graph, f"{info.base_url}{LATEST}/{PUBLIC_DIR}/index.html")))
    graph.add((node, MOBILITY.mobilityTheme, URIRef(f"{MOBILITY_VOCAB}mobility-theme/{THEMES[dataset.standard]}")))
    for mode in sorted({TRANSPORT_MODES.get(mode, "other") for mode in dataset.modes}):
        graph.add((node, MOBILITY.transportMode, URIRef(f"{MOBILITY_VOCAB}transport-mode/{mode}")))
    graph.add((node, MOBILITY.georeferencingMethod, URIRef(f"{MOBILITY_VOCAB}georeferencing-method/geocoordinates")))
    graph.add((node, DCTERMS.conformsTo, WGS84))
    graph.add((WGS84, RDF.type, DCTERMS.Standard))
    for language in languages:
        graph.add((node, DCTERMS.language, language))
    for keyword in dataset.keywords:
        graph.add((node, DCAT.keyword, Literal(keyword)))
    start, end = dataset.temporal
    if start or end:
        period = BNode()
        graph.add((node, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if start:
            graph.add((period, DCAT.startDate, Literal(start.isoformat(), datatype=XSD.date)))
        if end:
            graph.add((period, DCAT.endDate, Literal(end.isoformat(), datatype=XSD.date)))
    if dataset.bbox is not None:
        graph.add((node, DCTERMS.spatial, _location(graph, dataset.bbox)))
    if dataset.quality_score is not None:
        measurement = BNode()
        graph.add((node, DQV.hasQualityMeasurement, measurement))
        graph.add((measurement, RDF.type, DQV.QualityMeasurement))
        graph.add((measurement, DQV.isMeasurementOf, metric))
        graph.add((measurement, DQV.computedOn, node))
        graph.add((measurement, DQV.value, Literal(f"{dataset.quality_score:.1f}", datatype=XSD.decimal)))
        if dataset.quality_report:
            graph.add((node, FOAF.page, _document(graph, release_base + dataset.quality_report)))
    licence = _licence(graph, dataset.licence)
    rights = _rights(graph, dataset.rights)
    for index, distribution in enumerate(dataset.distributions):
        part = URIRef(f"{info.base_url}catalogue#distribution-{dataset.key}-{index + 1}")
        graph.add((node, DCAT.distribution, part))
        _distribution(graph, part, distribution, dataset.modified or info.modified, release_base, licence, rights,
                      info)


def _distribution(graph: Graph, node: URIRef, part: Distribution, modified: datetime, release_base: str,
                  licence: URIRef | BNode, rights: BNode, info: CatalogueInfo) -> None:
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, Literal(part.title)))
    graph.add((node, DCAT.accessURL, _resource(graph, f"{info.base_url}{LATEST}/{PUBLIC_DIR}/index.html")))
    graph.add((node, DCAT.downloadURL, _resource(graph, release_base + part.path)))
    media = URIRef(MEDIA_TYPES + part.media_type)
    graph.add((media, RDF.type, DCTERMS.MediaType))
    graph.add((node, DCAT.mediaType, media))
    file_type = FORMATS.get(part.media_type)
    if file_type:
        format_node = URIRef(FILE_TYPE + file_type)
        graph.add((format_node, RDF.type, DCTERMS.MediaTypeOrExtent))
        graph.add((node, DCTERMS.format, format_node))
    graph.add((node, DCAT.byteSize, Literal(Decimal(part.byte_size))))
    checksum = BNode()
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(part.sha256, datatype=XSD.hexBinary)))
    concept, specification, title = STANDARDS[part.standard]
    graph.add((node, MOBILITY.mobilityDataStandard, URIRef(f"{MOBILITY_VOCAB}mobility-data-standard/{concept}")))
    if specification:
        standard = URIRef(specification)
        graph.add((standard, RDF.type, DCTERMS.Standard))
        graph.add((standard, DCTERMS.title, Literal(title)))
        graph.add((node, DCTERMS.conformsTo, standard))
    graph.add((node, DCTERMS.license, licence))
    graph.add((node, DCTERMS.rights, rights))
    graph.add((node, DCTERMS.issued, _datetime(modified)))
    graph.add((node, DCTERMS.modified, _datetime(modified)))


def _texts(graph: Graph, node: URIRef, predicate: URIRef, texts: dict[str, str]) -> None:
    for language, text in texts.items():
        graph.add((node, predicate, Literal(text, lang=language)))


def _datetime(value: datetime) -> Literal:
    return Literal(value.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _agent(graph: Graph, node: URIRef, name: str, homepage: str | None) -> URIRef:
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, RDF.type, FOAF.Organization))
    graph.add((node, FOAF.name, Literal(name)))
    if homepage:
        graph.add((node, FOAF.homepage, _document(graph, homepage)))
    return node


def _contact(graph: Graph, node: URIRef, name: str, email: str) -> URIRef:
    graph.add((node, RDF.type, VCARD.Kind))
    graph.add((node, RDF.type, VCARD.Organization))
    graph.add((node, VCARD.fn, Literal(name)))
    mailbox = URIRef(f"mailto:{email or 'unknown@invalid'}")
    graph.add((mailbox, RDF.type, OWL.Thing))
    graph.add((node, VCARD.hasEmail, mailbox))
    return node


def _quality_metric(graph: Graph, node: URIRef) -> URIRef:
    graph.add((node, RDF.type, DQV.Metric))
    graph.add((node, SKOS.definition, Literal(
        "Régie's quality score of a feed version, 0 to 100: compliance with the GTFS rules (findings per "
        "thousand rows), freshness, availability of the source and completeness, weighted as the "
        "region's quality.yaml says.", lang="en")))
    graph.add((node, DQV.expectedDataType, XSD.decimal))
    return node


def _language(graph: Graph, code: str) -> URIRef:
    node = URIRef(LANGUAGE_AUTHORITY + LANGUAGE_CODES.get(code, code.upper()))
    graph.add((node, RDF.type, DCTERMS.LinguisticSystem))
    return node


def _document(graph: Graph, url: str) -> URIRef:
    node = URIRef(url)
    graph.add((node, RDF.type, FOAF.Document))
    return node


def _resource(graph: Graph, url: str) -> URIRef:
    return URIRef(url)


def _licence(graph: Graph, licence: Licence) -> URIRef | BNode:
    node: URIRef | BNode = URIRef(licence.url) if licence.url else BNode()
    graph.add((node, RDF.type, DCTERMS.LicenseDocument))
    graph.add((node, DCTERMS.title, Literal(licence.name)))
    return node


def _rights(graph: Graph, text: str) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, DCTERMS.RightsStatement))
    graph.add((node, DCTERMS.type, URIRef(f"{MOBILITY_VOCAB}conditions-for-access-and-usage/licence-provided")))
    graph.add((node, DCTERMS.description, Literal(text, lang="en")))
    return node


def _location(graph: Graph, box: BoundingBox) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, DCTERMS.Location))
    w, s, e, n = box.min_lon, box.min_lat, box.max_lon, box.max_lat
    wkt = f"POLYGON(({w} {s},{e} {s},{e} {n},{w} {n},{w} {s}))"
    graph.add((node, DCAT.bbox, Literal(wkt, datatype=GSP.wktLiteral)))
    graph.add((node, DCAT.centroid, Literal(f"POINT({(w + e) / 2:.6f} {(s + n) / 2:.6f})", datatype=GSP.wktLiteral)))
    return node


def write_catalogue(graph: Graph, folder: Path) -> tuple[Path, Path]:
    """`catalogue.jsonld` and `catalogue.ttl` in `folder`."""
    jsonld = folder / "catalogue.jsonld"
    turtle = folder / "catalogue.ttl"
    context = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "mobilitydcatap": str(MOBILITY),
               "dqv": str(DQV), "spdx": str(SPDX), "vcard": str(VCARD), "skos": str(SKOS), "xsd": str(XSD),
               "gsp": str(GSP)}
    jsonld.write_text(graph.serialize(format="json-ld", context=context, indent=1), encoding="utf-8")
    turtle.write_text(graph.serialize(format="turtle"), encoding="utf-8")
    return jsonld, turtle
