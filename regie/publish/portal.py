"""The download portal: static pages in the release's `site/`, one per region language
(`index.html` in the first, `index.<language>.html` in the others, with a language switch; UI
strings from the pages' message catalogues, English as the fallback).

Every dataset with its files (size, licence, SHA-256), coverage dates, last update and quality
score; a map of the region's stops and routes (Leaflet, vendored with the quality reports; map
tiles only when `publish.tile_url` is set, so the page works offline); the release notes; links
to the quality reports, the catalogue, the attribution, the checksums, and the planner and API
of `regie serve`. Feed text (stop and route names) is shown as the feed has it, in the page's
language where the feed's translations.txt gives one; everything reaches the page escaped
(Jinja autoescape, JSON with `script_json`, names set with textContent by the script).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from quality.report.html_report import STATIC_DIR as REPORT_STATIC_DIR
from regie.config.region import Region
from regie.pages.i18n import language_links, page_name
from regie.pages.jinja_environment import page_environment
from regie.pages.links import relative_link
from regie.publish.catalogue import Dataset
from regie.publish.licences import Licence, OperatorLicence

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
LEAFLET_DIR = REPORT_STATIC_DIR / "leaflet"  # vendored once, with the quality reports
ASSETS = "assets"  # the pages' scripts and styles (not "static": `regie serve` keeps /static for its own)
MAX_LINE_POINTS = 400  # per route line on the map; the full geometry is in geojson/routes.geojson
PLANNER_URL, API_URL = "/plan", "/api"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'")


@dataclass(frozen=True)
class PortalContent:
    region: Region
    release_id: str
    published: datetime
    datasets: list[Dataset]
    licence: Licence
    licences: list[OperatorLicence]
    languages: list[str]
    previous_release: str | None
    notes_markdown: str | None = None  # the release notes (regie.publish.release_notes), shown as text


def write_portal(site: Path, content: PortalContent) -> list[Path]:
    """The portal's pages and static files in `site`; returns the pages."""
    assets = site / ASSETS
    shutil.copytree(LEAFLET_DIR, assets / "leaflet", dirs_exist_ok=True)
    for path in STATIC_DIR.iterdir():
        shutil.copyfile(path, assets / path.name)
    translations = _translations(site / "tables")
    layers = _map_layers(site / "tables")
    pages = []
    for language in content.languages:
        name = page_name("index.html", language, content.languages)
        env = page_environment(TEMPLATES_DIR, {"size": _size}, language=language)
        tiles = content.region.publish.tile_url
        html = env.get_template("portal.html").render(
            csp=CSP.format(tiles=f" {_origin(tiles)}" if tiles else ""),
            title=content.region.name,
            languages=language_links("index.html", language, content.languages),
            nav=[],
            release_id=content.release_id,
            published=content.published,
            previous_release=content.previous_release,
            datasets=[_dataset_view(dataset, language) for dataset in content.datasets],
            licence=content.licence,
            licences=content.licences,
            notes_text=content.notes_markdown,
            has_site_file=lambda relative: (site / relative).is_file(),
            map_json=_map_json(layers, language, translations, tiles, content.region.publish.tile_attribution),
        )
        (site / name).write_text(html, encoding="utf-8")
        pages.append(site / name)
    return pages


def _origin(url: str) -> str:
    """The scheme and host of a tile URL template, for the page's Content-Security-Policy."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else ""


def _size(byte_count: int) -> str:
    value = float(byte_count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def _dataset_view(dataset: Dataset, language: str) -> dict[str, Any]:
    return {"key": dataset.key, "title": dataset.titles.get(language) or next(iter(dataset.titles.values())),
            "description": dataset.descriptions.get(language) or next(iter(dataset.descriptions.values())),
            "licence": dataset.licence, "start": dataset.temporal[0], "end": dataset.temporal[1],
            "modified": dataset.modified,
            "score": dataset.quality_score, "report": relative_link(dataset.quality_report),
            "files": [{"href": relative_link(part.path), "title": part.title, "size": part.byte_size,
                       "sha256": part.sha256, "media_type": part.media_type} for part in dataset.distributions]}


def _translations(tables_dir: Path) -> dict[tuple[str, str, str], dict[str, str]]:
    """(table, field, record_id) -> {language: text} from the feed's translations.txt."""
    path = tables_dir / "translations.parquet"
    if not path.is_file():
        return {}
    table = pq.read_table(path)
    if not {"table_name", "field_name", "language", "translation", "record_id"} <= set(table.column_names):
        return {}
    found: dict[tuple[str, str, str], dict[str, str]] = {}
    for row in table.select(["table_name", "field_name", "language", "translation", "record_id"]).to_pylist():
        if row["record_id"]:
            key = (row["table_name"], row["field_name"], row["record_id"])
            found.setdefault(key, {})[str(row["language"]).split("-")[0].lower()] = row["translation"]
    return found


@dataclass(frozen=True)
class _MapLayers:
    """The map's stops [lat, lon, name, operator, stop_id] and route lines {route_id, name, color,
    points}, read once for every language's page."""

    stops: list[list[Any]]
    lines: list[dict[str, Any]]


def _map_layers(tables_dir: Path) -> _MapLayers:
    stops: list[list[Any]] = []
    path = tables_dir / "stops.parquet"
    if path.is_file():
        table = pq.read_table(path)
        columns = set(table.column_names)
        if {"stop_id", "stop_lat", "stop_lon"} <= columns:
            valid = pc.and_(pc.is_valid(table["stop_lat"]), pc.is_valid(table["stop_lon"]))
            if "location_type" in columns:  # stops and stations only, not entrances or nodes
                valid = pc.and_(valid, pc.less_equal(pc.fill_null(table["location_type"], 0), 1))
            chosen = table.filter(valid)
            names = chosen["stop_name"].to_pylist() if "stop_name" in columns else [""] * chosen.num_rows
            for stop_id, lat, lon, name in zip(chosen["stop_id"].to_pylist(), chosen["stop_lat"].to_pylist(),
                                               chosen["stop_lon"].to_pylist(), names, strict=True):
                stops.append([round(lat, 6), round(lon, 6), name, stop_id.split(":", 1)[0], stop_id])
    return _MapLayers(stops, _route_lines(tables_dir))


def _map_json(layers: _MapLayers, language: str, translations: dict[tuple[str, str, str], dict[str, str]],
              tile_url: str | None, tile_attribution: str) -> str:
    """The map's data for the page in `language` (names from translations.txt where it has
    them), as JSON safe inside <script type="application/json">."""
    stops = [[lat, lon, translations.get(("stops", "stop_name", stop_id), {}).get(language) or name, operator]
             for lat, lon, name, operator, stop_id in layers.stops]
    routes = [{"name": translations.get(("routes", "route_short_name", line["route_id"]), {}).get(language)
               or line["name"], "color": line["color"], "points": line["points"]} for line in layers.lines]
    data = {"stops": stops, "routes": routes,
            "tiles": {"url": tile_url, "attribution": tile_attribution} if tile_url else None}
    # plain numbers and strings only, so json itself (regie.pages.encode.script_json's escapes, without
    # its conversion of every value: the map of a large region holds hundreds of thousands)
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def _route_lines(tables_dir: Path) -> list[dict[str, Any]]:
    """One line per shape used by a trip, with its route's name and colour."""
    routes_path, trips_path, shapes_path = (tables_dir / f"{name}.parquet" for name in ("routes", "trips", "shapes"))
    if not (routes_path.is_file() and trips_path.is_file() and shapes_path.is_file()):
        return []
    trips = pq.read_table(trips_path).to_pandas()
    if "shape_id" not in trips.columns:
        return []
    routes = {row["route_id"]: row for row in pq.read_table(routes_path).to_pylist()}
    shapes = (pq.read_table(shapes_path, columns=["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"])
              .to_pandas().dropna().sort_values(["shape_id", "shape_pt_sequence"], kind="stable"))
    points = {shape: group[["shape_pt_lat", "shape_pt_lon"]].to_numpy() for shape, group in shapes.groupby("shape_id")}
    lines = []
    for route_id, shape_id in trips[["route_id", "shape_id"]].dropna().drop_duplicates("shape_id").itertuples(index=False):
        route = routes.get(route_id)
        if shape_id not in points or route is None:
            continue
        name = str(route.get("route_short_name") or "") or str(route.get("route_long_name") or "")
        color = str(route.get("route_color") or "")
        lines.append({"route_id": route_id, "name": name, "color": f"#{color}" if _hex_color(color) else "#486581",
                      "points": _thinned(points[shape_id]).round(6).tolist()})
    return lines


def _hex_color(value: str) -> bool:
    return len(value) == 6 and all(char in "0123456789abcdefABCDEF" for char in value)


def _thinned(points: np.ndarray) -> np.ndarray:
    if len(points) <= MAX_LINE_POINTS:
        return points
    keep = np.unique(np.r_[np.linspace(0, len(points) - 1, MAX_LINE_POINTS).astype(int), len(points) - 1])
    return points[keep]


def page_names(languages: Sequence[str]) -> list[str]:
    """The portal's page file names, one per language."""
    return [page_name("index.html", language, languages) for language in languages]
