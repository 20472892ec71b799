"""Releases: `releases/<UTC time>/`, written in full under a hidden temporary name in the same
folder, renamed into place, then made the newest by replacing the `releases/latest` symlink with
a new one (`os.replace` of a symlink is atomic on POSIX: a reader sees the old target or the new).

Inside a release, `manifest.json` (what it was made from) and `site/`: the portal and every
published file, with `site/SHA256SUMS` over all of them.

A publish that fails or is killed at any point leaves `latest` and every existing release as
they were; its temporary folder (`.partial-*`) is removed then, or by the next publish. A
publish whose inputs hash to the same manifest as the newest release's writes nothing. Only
`keep` releases are kept, and the one `latest` points at never goes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LATEST = "latest"
PUBLIC_DIR = "site"  # everything re-users get: the portal's pages and every download, served at / by `regie serve`
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
PARTIAL_PREFIX = ".partial-"
DELETING_PREFIX = ".deleting-"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ReleaseOutcome:
    status: str  # "published" | "unchanged"
    release_dir: Path  # the new release, or the unchanged newest one
    release_id: str
    previous: Path | None  # the release that was newest before


def release_id_for(now: datetime) -> str:
    """Folder name of a release made at `now`: UTC, sortable, microseconds so two never collide."""
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def latest_release(releases_dir: Path) -> Path | None:
    """The release `latest` points at, or None before the first."""
    link = releases_dir / LATEST
    if not link.is_symlink():
        return None
    target = releases_dir / os.readlink(link)
    return target if (target / MANIFEST).is_file() else None


def release_dirs(releases_dir: Path) -> list[Path]:
    """Complete releases, oldest first."""
    if not releases_dir.is_dir():
        return []
    return sorted(path for path in releases_dir.iterdir()
                  if path.is_dir() and not path.is_symlink() and not path.name.startswith(".")
                  and (path / MANIFEST).is_file())


def read_manifest(release_dir: Path) -> dict:
    return json.loads((release_dir / MANIFEST).read_text(encoding="utf-8"))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def inputs_fingerprint(inputs: dict[str, str]) -> str:
    """One hash of the inputs' (name, content hash) pairs."""
    text = "\n".join(f"{name}\t{digest}" for name, digest in sorted(inputs.items()))
    return hashlib.sha256(text.encode()).hexdigest()


@contextmanager
def _publish_lock(releases_dir: Path) -> Iterator[None]:
    """One publish at a time per releases folder (released by the OS if the process dies)."""
    with (releases_dir / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_release(
    releases_dir: Path,
    inputs: dict[str, str],
    build: Callable[[Path, str, Path | None], dict[str, str]],
    *,
    keep: int,
    now: datetime | None = None,
) -> ReleaseOutcome:
    """Build a release with `build(folder, release_id, previous_release)` (which returns the SHA-256 of the
    files it already hashed, by path relative to `site/`) unless `inputs` (name -> content
    hash of everything the release is made from) are those of the newest release; then write its
    checksums and manifest, switch `latest` to it and prune to `keep` releases."""
    releases_dir.mkdir(parents=True, exist_ok=True)
    with _publish_lock(releases_dir):
        _remove_partials(releases_dir)
        previous = latest_release(releases_dir)
        fingerprint = inputs_fingerprint(inputs)
        if previous is not None and read_manifest(previous).get("inputs_sha256") == fingerprint:
            return ReleaseOutcome("unchanged", previous, previous.name, previous)
        created = now or datetime.now(UTC)
        release_id = release_id_for(created)
        partial = releases_dir / f"{PARTIAL_PREFIX}{release_id}"
        try:
            partial.mkdir()
            hashed = build(partial, release_id, previous)
            _write_checksums(partial / PUBLIC_DIR, hashed)
            manifest = {"release": release_id, "created": created.astimezone(UTC).isoformat(),
                        "previous": previous.name if previous else None,
                        "issued": _first_issued(previous, created),
                        "inputs_sha256": fingerprint, "inputs": dict(sorted(inputs.items()))}
            _write_synced(partial / MANIFEST, json.dumps(manifest, indent=1).encode())
            final = releases_dir / release_id
            os.rename(partial, final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        _fsync_dir(releases_dir)
        switch_latest(releases_dir, release_id)
        prune_releases(releases_dir, keep)
        return ReleaseOutcome("published", final, release_id, previous)


def _first_issued(previous: Path | None, created: datetime) -> str:
    """When the first release of the series was made (carried from manifest to manifest)."""
    if previous is None:
        return created.astimezone(UTC).isoformat()
    manifest = read_manifest(previous)
    return str(manifest.get("issued") or manifest["created"])


def switch_latest(releases_dir: Path, release_id: str) -> None:
    """Point `latest` at `release_id` atomically: a new symlink, then os.replace over the old."""
    temporary = releases_dir / f".{LATEST}-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    os.symlink(release_id, temporary)
    os.replace(temporary, releases_dir / LATEST)
    _fsync_dir(releases_dir)


def prune_releases(releases_dir: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest releases (never the one `latest` points at)."""
    current = latest_release(releases_dir)
    complete = release_dirs(releases_dir)
    removed = [path for path in complete[:-keep] if path != current] if keep > 0 else []
    for path in removed:  # renamed first, so that a deletion cut short never leaves half a release listed
        doomed = path.with_name(f"{DELETING_PREFIX}{path.name}")
        os.rename(path, doomed)
        shutil.rmtree(doomed)
    return removed


def _remove_partials(releases_dir: Path) -> None:
    """Leftovers of publishes and prunes that were killed (the lock is held, so none is running)."""
    for pattern in (f"{PARTIAL_PREFIX}*", f"{DELETING_PREFIX}*"):
        for path in releases_dir.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)
    for path in releases_dir.glob(f".{LATEST}-*"):
        path.unlink(missing_ok=True)


def checksum_lines(folder: Path, known: dict[str, str] | None = None) -> list[str]:
    """`sha256  relative/path` of every file under `folder` (sha256sum's format), sorted; files
    in `known` (relative path -> SHA-256) and hard links to one file are not hashed again."""
    known = known or {}
    seen: dict[tuple[int, int], str] = {}
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(folder).as_posix()
        if relative in (CHECKSUMS, MANIFEST):
            continue
        stat = path.stat()
        key = (stat.st_dev, stat.st_ino)
        if key not in seen:
            seen[key] = known.get(relative) or file_sha256(path)
        lines.append(f"{seen[key]}  {relative}")
    return lines


def _write_checksums(folder: Path, known: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _write_synced(folder / CHECKSUMS, ("\n".join(checksum_lines(folder, known)) + "\n").encode())


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
