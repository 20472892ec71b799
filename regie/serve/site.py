"""`/`: the latest release's portal (`data/releases/latest/site/`), looked up on every request so
that a release switched while the server runs is served at once; nothing outside that folder,
no directory listing, no hidden files. Without a release, a small page linking to the planner."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from fastapi.responses import FileResponse

TYPES = {".html": "text/html; charset=utf-8", ".json": "application/json", ".jsonld": "application/ld+json",
         ".geojson": "application/geo+json", ".csv": "text/csv; charset=utf-8", ".zip": "application/zip",
         ".parquet": "application/vnd.apache.parquet", ".ttl": "text/turtle; charset=utf-8",
         ".rdf": "application/rdf+xml", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".txt": "text/plain; charset=utf-8", ".xml": "application/xml"}


def content_type(path: Path) -> str:
    return TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def site_file(site_dir: Path | None, path: str) -> Path | None:
    """The file of the site that `path` (URL path, without the leading /) names, else None."""
    if site_dir is None or not site_dir.is_dir() or "\x00" in path:
        return None
    root = Path(os.path.realpath(site_dir))
    parts = [part for part in path.split("/") if part]
    if any(part.startswith(".") for part in parts):
        return None
    target = Path(os.path.realpath(root.joinpath(*parts)))
    if target != root and root not in target.parents:
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def site_response(site_dir: Path | None, path: str) -> FileResponse | None:
    found = site_file(site_dir, path)
    if found is None:
        return None
    return FileResponse(found, media_type=content_type(found), headers={"Cache-Control": "no-cache"})
