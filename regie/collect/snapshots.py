"""Snapshots of live feeds (GBFS, GTFS-RT): `snapshots/<operator>/<feed>/<UTC time>/`.

Snapshots are not versions: each fetch is kept for the region's retention window, then pruned.
A GBFS snapshot is the auto-discovery file plus every feed it lists, fetched with the same client.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

from regie.collect.fetch import FeedClient, FetchError, FetchRequest, FetchResponse
from regie.config.operators import Feed

MAX_GBFS_FEEDS = 40
_SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Snapshot:
    folder: Path
    root_response: FetchResponse
    files: dict[str, str]  # file name -> sha256
    size_bytes: int

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for name, sha in sorted(self.files.items()):
            digest.update(f"{name}\0{sha}\n".encode())
        return digest.hexdigest()


class SnapshotStore:
    def __init__(self, root: Path):
        self.root = root

    def new_folder(self, operator_id: str, feed_id: str, fetched_at: datetime) -> Path:
        stamp = fetched_at.strftime("%Y%m%dT%H%M%S%fZ")
        folder = self.root / operator_id / feed_id / stamp
        folder.mkdir(parents=True, exist_ok=False)
        return folder

    def relative(self, folder: Path) -> str:
        return folder.relative_to(self.root).as_posix()

    def delete(self, relative_path: str | None) -> None:
        """Remove a snapshot folder; refuses anything outside the store."""
        if not relative_path:
            return
        folder = (self.root / relative_path).resolve()
        if self.root.resolve() not in folder.parents:
            raise ValueError(f"refusing to delete {folder}: outside {self.root}")
        shutil.rmtree(folder, ignore_errors=True)

    def fetch_single(self, client: FeedClient, feed: Feed, folder: Path, max_bytes: int) -> Snapshot:
        """A GTFS-RT snapshot: one protobuf message (or whatever the URL serves)."""
        name = Path(urlparse(feed.url).path).name or "feed"
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", name) or name.startswith("."):
            name = "feed.pb"
        request = FetchRequest(feed.url, feed.header_values(), max_bytes=max_bytes, secrets=feed.url_secrets)
        response = client.fetch(request, folder / name)
        return Snapshot(folder, response, {name: response.sha256 or ""}, response.size_bytes)


def gbfs_feed_urls(discovery: dict, root_url: str) -> dict[str, str]:
    """The feeds listed by a gbfs.json (v1/v2: per language; v3: one list), name -> URL.

    Names must be plain identifiers and URLs must use the scheme of the discovery file, so a
    hostile gbfs.json cannot make us read local files or write outside the snapshot.
    """
    data = discovery.get("data")
    if not isinstance(data, dict):
        raise ValueError("gbfs.json has no 'data' object")
    if isinstance(data.get("feeds"), list):
        listed = data["feeds"]
    else:
        languages = [value for value in data.values() if isinstance(value, dict) and isinstance(value.get("feeds"), list)]
        if not languages:
            raise ValueError("gbfs.json lists no feeds")
        listed = languages[0]["feeds"]
    scheme = urlparse(root_url).scheme
    urls: dict[str, str] = {}
    for entry in listed[:MAX_GBFS_FEEDS]:
        if not isinstance(entry, dict):
            continue
        name, url = entry.get("name"), entry.get("url")
        if not isinstance(name, str) or not isinstance(url, str) or not _SAFE_NAME.match(name) or name == "gbfs":
            continue
        if urlparse(url).scheme != scheme:
            continue
        urls.setdefault(name, url)
    return urls


def same_origin(url: str, other: str) -> bool:
    """Same scheme, host and port: where an operator's secret headers may go."""
    first, second = urlparse(url), urlparse(other)
    try:
        return (first.scheme.lower(), first.hostname, first.port or _DEFAULT_PORTS.get(first.scheme.lower())) == (
            second.scheme.lower(), second.hostname, second.port or _DEFAULT_PORTS.get(second.scheme.lower()))
    except ValueError:  # an invalid port
        return False


_DEFAULT_PORTS = {"http": 80, "https": 443}


def fetch_gbfs_snapshot(client: FeedClient, feed: Feed, folder: Path, max_bytes: int) -> Snapshot:
    """The discovery file and every feed it lists. The operator's headers (API keys) go only to the
    registered URL's origin; the listed URLs meet the client's address policy like any other."""
    headers = feed.header_values()
    shown = feed.shown_url
    root = client.fetch(FetchRequest(feed.url, headers, max_bytes=max_bytes, secrets=feed.url_secrets),
                        folder / "gbfs.json")
    assert root.path is not None  # an unconditional request: only a 304 comes back without a body
    try:
        discovery = json.loads(root.path.read_bytes())
        urls = gbfs_feed_urls(discovery, feed.url)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchError(shown, f"not a GBFS auto-discovery file: {exc}", status=root.status) from None
    files = {"gbfs.json": root.sha256 or ""}
    size = root.size_bytes
    for name, url in sorted(urls.items()):
        request = FetchRequest(url, headers if same_origin(url, feed.url) else {}, max_bytes=max_bytes,
                               secrets=feed.url_secrets)
        try:
            response = client.fetch(request, folder / f"{name}.json")
        except FetchError as exc:
            cause = f"GBFS feed '{name}' ({request.shown_url}): {exc.cause}"
            raise FetchError(shown, cause, status=exc.status) from None
        files[f"{name}.json"] = response.sha256 or ""
        size += response.size_bytes
    return Snapshot(folder, root, files, size)
