"""Fetch from the local file system: `file://` URLs, or any URL mapped into a folder."""

from __future__ import annotations

import email.utils
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

from regie.collect.fetch.base import FeedClient, FetchError, FetchRequest, FetchResponse, read_chunks, write_capped


class LocalFeedClient(FeedClient):
    """Reads `file://` URLs; with `root`, reads every URL's path under that folder instead.

    The `root` form is the fixture client: tests and offline runs point the registry's URLs at a
    folder of saved feeds. Modification times stand in for Last-Modified, so 304s work too.
    `allowed_roots` limits the `file://` form to files under those folders (after resolving
    symbolic links); None allows any file (a file the operator hands in on the command line).
    """

    def __init__(self, root: Path | None = None, *, allowed_roots: Sequence[Path] | None = None):
        self.root = root
        self.allowed_roots = None if allowed_roots is None else [Path(p).resolve() for p in allowed_roots]

    def _path(self, url: str) -> Path:
        parsed = urlparse(url)
        path = Path(unquote(parsed.path))
        if self.root is None:
            if parsed.scheme != "file":
                raise FetchError(url, "the local client only reads file:// URLs")
            if parsed.netloc not in ("", "localhost"):
                raise FetchError(url, f"file:// URLs name no host (got {parsed.netloc!r})")
            self._check_allowed(url, path)
            return path
        relative = Path(*[part for part in path.parts if part not in ("/", "..", ".")])
        return self.root / relative

    def _check_allowed(self, url: str, path: Path) -> None:
        if self.allowed_roots is None:
            return
        resolved = path.resolve()
        if not any(resolved == root or root in resolved.parents for root in self.allowed_roots):
            where = ", ".join(str(root) for root in self.allowed_roots) or "none configured"
            raise FetchError(url, f"file:// URLs may only read under the region's collection.file_roots ({where})")

    def fetch(self, request: FetchRequest, dest: Path) -> FetchResponse:
        path = self._path(request.url)
        if not path.is_file():
            raise FetchError(request.url, f"file not found (or not a regular file): {path}", status=404)
        last_modified = email.utils.formatdate(path.stat().st_mtime, usegmt=True)
        if request.last_modified == last_modified:
            return FetchResponse(url=request.url, status=304, path=None, last_modified=last_modified)
        with open(path, "rb") as stream:
            size, sha256 = write_capped(read_chunks(stream), dest, request.max_bytes, request.url)
        return FetchResponse(
            url=request.url, status=200, path=dest, size_bytes=size, sha256=sha256,
            last_modified=last_modified, content_type=None,
        )
