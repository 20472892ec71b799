"""The publish stage: one open-data release of the pool (see `regie.publish.release` for how it is
switched in, `regie.publish.sources` for what it is made from).

A release's `site/` holds:
- `gtfs/regional.zip` (the open regional feed) and `gtfs/<operator>.zip` (each open operator's
  normalised feed); `tables/<table>.parquet` and `.csv` (every table of the regional feed);
  `geojson/stops.geojson` and `geojson/routes.geojson`; `gbfs/<operator>/*.json`; `journeys/`
  (the open journey graph, where one was built); `reports/` (the open operators' quality
  reports and the open regional feed's); `fees/` only when `publish.include_fees` is set;
- `ATTRIBUTION.txt` and `licences.json`; `datasets.json` (each dataset's files, content hash and
  last change); `catalogue.jsonld` and `catalogue.ttl`; `release-notes.md` and `.json` (what
  changed since the previous release); the portal's pages (`index.html` and one per language);
  `SHA256SUMS`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from regie.config import Registry
from regie.config.region import Region
from regie.pages.i18n import N_, gettext, page_languages
from regie.publish.catalogue import CatalogueInfo, Dataset, Distribution, build_catalogue, write_catalogue
from regie.publish.contents import (
    feed_coverage,
    report_score,
    stable_report_hash,
    without_pool_navigation,
    write_clean_json,
)
from regie.publish.geojson import routes_geojson, stops_geojson, write_geojson
from regie.publish.licences import (
    Licence,
    OperatorLicence,
    attribution_text,
    describe,
    regional_licence,
    rights_statement,
)
from regie.publish.notes_ahead import compute_notes, notes_made_ahead
from regie.publish.portal import PortalContent, write_portal
from regie.publish.release import PUBLIC_DIR, ReleaseOutcome, file_sha256, publish_release, read_manifest
from regie.publish.release_notes import render_text, write_release_notes
from regie.publish.sources import OperatorSources, ReleaseSources, find_sources
from regie.publish.tables import write_feed_tables

if TYPE_CHECKING:
    from regie.pool import Pool

DATASETS_FILE = "datasets.json"  # each dataset's files, content hash and last change
RELEASE_FORMAT = 2  # bump when the release's layout changes, so that the next run is not a no-op
MEDIA = {".zip": "application/zip", ".csv": "text/csv", ".parquet": "application/vnd.apache.parquet",
         ".geojson": "application/geo+json", ".json": "application/json", ".html": "text/html",
         ".txt": "text/plain", ".md": "text/markdown"}

REGIONAL_TITLE = N_("Public transport timetables of %(region)s (GTFS)")
REGIONAL_DESCRIPTION = N_(
    "Timetables of every open operator of %(region)s merged into one GTFS feed: stops of different "
    "operators matched into interchange hubs, walking transfers between them, ids prefixed by their "
    "operator. Also as Parquet and CSV tables, and stops and routes as GeoJSON.")
OPERATOR_TITLE = N_("Timetables of %(operator)s (GTFS)")
OPERATOR_DESCRIPTION = N_(
    "The GTFS feed of %(operator)s as the pool publishes it: its version in force, normalised (UTF-8, "
    "ids prefixed by the operator, times in the region's time zone).")
GBFS_TITLE = N_("Bike share stations of %(operator)s (GBFS)")
GBFS_DESCRIPTION = N_("The system and station information of %(operator)s's GBFS feed, as the pool last collected it.")
GRAPH_TITLE = N_("Journey planner network of %(region)s")
GRAPH_DESCRIPTION = N_("The stops, timetabled connections and footpaths the region's journey planner searches, "
                       "as Parquet files.")
CATALOGUE_TITLE = N_("Open mobility data of %(region)s")
CATALOGUE_DESCRIPTION = N_("Open datasets published by %(publisher)s: public transport timetables, bike share "
                           "stations and the journey planner's network, with their licences and quality scores.")


class NothingToPublish(RuntimeError):
    """No open regional feed and no open operator's data: there is no release to make."""


@dataclass(frozen=True)
class PublishContext:
    data_dir: Path
    region: Region
    registry: Registry


def releases_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "releases"


def publish(context: PublishContext, *, now: datetime | None = None,
            after_files: Callable[[Path], None] | None = None) -> ReleaseOutcome:
    """Make a release of the pool's open data, unless nothing changed since the newest one.
    `after_files(site_dir)` runs once the data files are written (tests use it to fail half-way)."""
    settings = context.region.publish
    sources = find_sources(context.data_dir, context.registry, include_fees=settings.include_fees)
    if sources.regional_zip is None and not sources.operators:
        raise NothingToPublish(f"{context.data_dir}: no open regional feed and no open operator's data to publish")
    licences = [OperatorLicence(entry.operator.id, entry.operator.name,
                                describe(entry.operator.licence, settings.licences, operator=entry.operator.id))
                for entry in sources.operators]
    merged_licence = regional_licence([entry for entry, source in zip(licences, sources.operators, strict=True)
                                       if source.feed_zip is not None] or licences)
    files = sources.files()
    hashes = {name: file_sha256(path) for name, path in files.items()}
    inputs = {name: stable_report_hash(path) if name.startswith("reports/") and path.suffix in (".json", ".html")
              else hashes[name] for name, path in files.items()}
    inputs["settings"] = _settings_hash(context, sources)
    started = now or datetime.now(UTC)

    def build(folder: Path, release_id: str, previous: Path | None) -> dict[str, str]:
        builder = _Builder(context, sources, licences, merged_licence, hashes, folder / PUBLIC_DIR, started)
        builder.write_data()
        if after_files is not None:
            after_files(builder.site)
        return builder.finish(release_id, previous)

    return publish_release(releases_dir(context.data_dir), inputs, build, keep=settings.keep_releases, now=started)


def _settings_hash(context: PublishContext, sources: ReleaseSources) -> str:
    region = context.region
    described = {"format": RELEASE_FORMAT, "region": region.name, "languages": region.languages,
                 "publish": region.publish.model_dump(mode="json"),
                 "publisher": region.integration.publisher.model_dump(mode="json"),
                 "operators": [entry.operator.model_dump(mode="json", include={"id", "name", "licence", "modes",
                                                                               "contact", "website"})
                               for entry in sources.operators]}
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()


class _Builder:
    """Writes one release's site folder; remembers each file's SHA-256 as it goes."""

    def __init__(self, context: PublishContext, sources: ReleaseSources, licences: list[OperatorLicence],
                 merged_licence: Licence, inputs: dict[str, str], site: Path, started: datetime) -> None:
        self.context, self.sources, self.licences, self.merged_licence = context, sources, licences, merged_licence
        self.inputs, self.site, self.started = inputs, site, started
        self.hashed: dict[str, str] = {}
        self.datasets: list[Dataset] = []
        self.languages = page_languages(context.region.languages)

    # -- data files ---------------------------------------------------------------------------
    def write_data(self) -> None:
        self.site.mkdir(parents=True)
        if self.sources.regional_zip:
            self._regional()
        for entry, licence in zip(self.sources.operators, self.licences, strict=True):
            if entry.feed_zip:
                self._operator_feed(entry, licence.licence)
            if entry.gbfs_files:
                self._gbfs(entry, licence.licence)
            for path in entry.fee_files:
                self._copy(path, f"fees/{path.parent.name}/{path.name}", f"fees/{path.parent.name}/{path.name}")
        if self.sources.journey_files:
            self._journeys()
        self._reports()

    def _copy(self, source: Path, relative: str, input_name: str | None = None) -> Path:
        target = self.site / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        if input_name and input_name in self.inputs:
            self.hashed[relative] = self.inputs[input_name]
        return target

    def _distribution(self, relative: str, title: str, standard: str) -> Distribution:
        path = self.site / relative
        digest = self.hashed.get(relative) or file_sha256(path)
        self.hashed[relative] = digest
        return Distribution(relative, title, MEDIA.get(path.suffix, "application/octet-stream"), path.stat().st_size,
                            digest, standard)

    def _texts(self, message: str, **params: str) -> dict[str, str]:
        return {language: gettext(language, message, **params) for language in self.languages}

    def _regional(self) -> None:
        assert self.sources.regional_zip is not None
        region = self.context.region.name
        self._copy(self.sources.regional_zip, "gtfs/regional.zip", "regional.zip")
        tables = write_feed_tables(self.sources.regional_zip, self.site / "tables")
        write_geojson(stops_geojson(self.site / "tables"), self.site / "geojson" / "stops.geojson")
        write_geojson(routes_geojson(self.site / "tables"), self.site / "geojson" / "routes.geojson")
        parts = [self._distribution("gtfs/regional.zip", "GTFS (zip)", "gtfs")]
        for table in tables:
            parts.append(self._distribution(f"tables/{table.table}.csv", f"{table.table}.txt (CSV)", "gtfs"))
            parts.append(self._distribution(f"tables/{table.table}.parquet", f"{table.table} (Parquet)", "other"))
        parts.append(self._distribution("geojson/stops.geojson", "stops (GeoJSON)", "other"))
        parts.append(self._distribution("geojson/routes.geojson", "routes (GeoJSON)", "other"))
        span, bbox = feed_coverage(self.sources.regional_zip)
        modes = sorted({mode for entry in self.sources.operators if entry.feed_zip for mode in entry.operator.modes})
        report = self.sources.region_report
        self.datasets.append(Dataset(
            key="regional-gtfs", titles=self._texts(REGIONAL_TITLE, region=region),
            descriptions=self._texts(REGIONAL_DESCRIPTION, region=region), licence=self.merged_licence,
            rights=rights_statement(self.merged_licence, [entry for entry, source in
                                                          zip(self.licences, self.sources.operators, strict=True)
                                                          if source.feed_zip]),
            rights_holder=self._publisher(), modes=modes, standard="gtfs", distributions=parts, temporal=span,
            bbox=bbox or self.context.region.bbox, quality_score=report_score(report),
            quality_report="reports/_region/open/report.html" if report else None,
            keywords=["GTFS", "public transport", region]))

    def _operator_feed(self, entry: OperatorSources, licence: Licence) -> None:
        assert entry.feed_zip is not None
        op = entry.operator
        relative = f"gtfs/{op.id}.zip"
        self._copy(entry.feed_zip, relative, f"operators/{op.id}/feed.zip")
        span, bbox = feed_coverage(entry.feed_zip)
        first_report = entry.reports[0] if entry.reports else None
        scores = [score for score in (report_score(folder) for folder in entry.reports) if score is not None]
        self.datasets.append(Dataset(
            key=f"{op.id}-gtfs", titles=self._texts(OPERATOR_TITLE, operator=op.name),
            descriptions=self._texts(OPERATOR_DESCRIPTION, operator=op.name), licence=licence,
            rights=rights_statement(licence, [OperatorLicence(op.id, op.name, licence)]), rights_holder=op.name,
            modes=[str(mode) for mode in op.modes], standard="gtfs",
            distributions=[self._distribution(relative, f"GTFS (zip): {op.name}", "gtfs")], temporal=span,
            bbox=bbox, quality_score=min(scores) if scores else None,
            quality_report=(f"reports/{op.id}/{first_report.parent.name}/{first_report.name}/report.html"
                            if first_report else None),
            keywords=["GTFS", op.name]))

    def _gbfs(self, entry: OperatorSources, licence: Licence) -> None:
        op = entry.operator
        parts = []
        for path in entry.gbfs_files:
            relative = f"gbfs/{op.id}/{path.name}"
            (self.site / relative).parent.mkdir(parents=True, exist_ok=True)
            write_clean_json(path, self.site / relative)
            parts.append(self._distribution(relative, f"GBFS {path.stem}: {op.name}", "gbfs"))
        self.datasets.append(Dataset(
            key=f"{op.id}-gbfs", titles=self._texts(GBFS_TITLE, operator=op.name),
            descriptions=self._texts(GBFS_DESCRIPTION, operator=op.name), licence=licence,
            rights=rights_statement(licence, [OperatorLicence(op.id, op.name, licence)]), rights_holder=op.name,
            modes=[str(mode) for mode in op.modes], standard="gbfs", distributions=parts,
            bbox=self.context.region.bbox, keywords=["GBFS", op.name]))

    def _journeys(self) -> None:
        region = self.context.region.name
        parts = []
        for path in self.sources.journey_files:
            relative = f"journeys/{path.name}"
            self._copy(path, relative, f"journeys/{path.name}")
            parts.append(self._distribution(relative, path.name, "other"))
        modes = sorted({mode for entry in self.sources.operators for mode in entry.operator.modes})
        self.datasets.append(Dataset(
            key="journey-graph", titles=self._texts(GRAPH_TITLE, region=region),
            descriptions=self._texts(GRAPH_DESCRIPTION), licence=self.merged_licence,
            rights=rights_statement(self.merged_licence, self.licences), rights_holder=self._publisher(),
            modes=[str(mode) for mode in modes], standard="other", distributions=parts,
            bbox=self.context.region.bbox, keywords=["journey planner"]))

    def _reports(self) -> None:
        folders = [(folder, f"reports/{entry.operator.id}/{folder.parent.name}/{folder.name}")
                   for entry in self.sources.operators for folder in entry.reports]
        if self.sources.region_report:
            folders.append((self.sources.region_report, "reports/_region/open"))
        for folder, relative in folders:
            for path in sorted(folder.iterdir()):
                if path.suffix == ".html":  # the pool's navigation points outside the release
                    target = self.site / relative / path.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(without_pool_navigation(path.read_text(encoding="utf-8")), encoding="utf-8")
                else:
                    self._copy(path, f"{relative}/{path.name}", f"{relative}/{path.name}")
        if self.sources.reports_static and folders:
            shutil.copytree(self.sources.reports_static, self.site / "reports" / "static")

    # -- description files, catalogue and pages ------------------------------------------------
    def _publisher(self) -> str:
        region = self.context.region
        return region.integration.publisher.name or region.name

    def finish(self, release_id: str, previous: Path | None) -> dict[str, str]:
        region = self.context.region
        publisher = region.integration.publisher
        attribution = attribution_text(region.name, self._publisher(), self.merged_licence, self.licences)
        (self.site / "ATTRIBUTION.txt").write_text(attribution, encoding="utf-8")
        (self.site / "licences.json").write_text(json.dumps({
            "regional": _licence_json(self.merged_licence),
            "operators": [{"operator_id": entry.operator_id, "name": entry.operator_name,
                           **_licence_json(entry.licence)} for entry in self.licences]}, indent=1), encoding="utf-8")
        base_url = str(region.publish.base_url or f"{str(publisher.url or 'https://example.invalid').rstrip('/')}/releases/")
        issued = self._first_issued(previous)
        info = CatalogueInfo(
            title=self._texts(CATALOGUE_TITLE, region=region.name),
            description=self._texts(CATALOGUE_DESCRIPTION, publisher=self._publisher()),
            publisher=self._publisher(), homepage=str(publisher.url) if publisher.url else None,
            contact_email=region.publish.contact_email or publisher.contact_email,
            base_url=base_url if base_url.endswith("/") else base_url + "/", release_id=release_id,
            issued=issued, modified=self.started, languages=self.languages)
        self._date_changes(previous)
        write_catalogue(build_catalogue(info, self.datasets), self.site)
        notes = self._release_notes(release_id, previous)
        write_portal(self.site, PortalContent(
            region=region, release_id=release_id, published=self.started, datasets=self.datasets,
            licence=self.merged_licence, licences=self.licences, languages=self.languages,
            previous_release=previous.name if previous else None, notes_markdown=notes))
        return self.hashed

    def _date_changes(self, previous: Path | None) -> None:
        """Each dataset's last change: carried over from the previous release while its files'
        content is the same, else this release; written to datasets.json."""
        before: dict[str, dict[str, str]] = {}
        if previous is not None and (previous / PUBLIC_DIR / DATASETS_FILE).is_file():
            before = json.loads((previous / PUBLIC_DIR / DATASETS_FILE).read_text(encoding="utf-8"))
        listing = {}
        for dataset in self.datasets:
            content = hashlib.sha256("\n".join(sorted(f"{part.path} {part.sha256}" for part in dataset.distributions))
                                     .encode()).hexdigest()
            known = before.get(dataset.key, {})
            dataset.modified = (datetime.fromisoformat(known["modified"]) if known.get("content_sha256") == content
                                else self.started)
            listing[dataset.key] = {"content_sha256": content, "modified": dataset.modified.isoformat(),
                                    "title": dataset.titles, "files": [part.path for part in dataset.distributions]}
        (self.site / DATASETS_FILE).write_text(json.dumps(listing, indent=1, ensure_ascii=False), encoding="utf-8")

    def _release_notes(self, release_id: str, previous: Path | None) -> str | None:
        """release-notes.{json,md}: what changed in the regional feed since the previous release
        (worked out ahead by the `release_notes` asset when it still holds, `regie.publish.notes_ahead`)."""
        if self.sources.regional_zip is None:
            return None
        names = {entry.operator.id: entry.operator.name for entry in self.sources.operators}
        notes = (notes_made_ahead(self.sources.regional_zip, previous, release=release_id, operator_names=names)
                 or compute_notes(self.sources.regional_zip, previous, release=release_id, operator_names=names))
        write_release_notes(notes, self.site)
        return render_text(notes)  # shown as plain text in the portal: no Markdown escapes

    def _first_issued(self, previous: Path | None) -> datetime:
        """The catalogue's issue date: the first release's, carried from release to release."""
        if previous is None:
            return self.started
        created = read_manifest(previous).get("issued")
        try:
            return datetime.fromisoformat(str(created))
        except ValueError:
            return self.started


def _licence_json(licence: Licence) -> dict[str, object]:
    return {"licence": licence.id, "licence_name": licence.name, "licence_url": licence.url,
            "attribution": licence.attribution, "share_alike": licence.share_alike}


def publish_pool(pool: Pool, *, now: datetime | None = None) -> ReleaseOutcome:
    """`publish` for the pool's data directory, region and registry."""
    return publish(PublishContext(pool.paths.data_dir, pool.region, pool.registry), now=now)
