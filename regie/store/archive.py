"""The content-addressed feed archive: `archive/<operator>/<feed>/<content hash>.zip`.

A static feed's version is the hash of its sorted (member name, member SHA-256) pairs, so
re-zipping the same files is not a new version. Files are written atomically and never removed.
With an object store (`REGIE_ARCHIVE_URL`, e.g. `s3://bucket/archive`), the store is the archive
of record and the local folder a cache: a version is stored once its upload is complete, and read
back (and cached) from the store on any machine.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from regie.store.objects import ObjectStore

MEMBER_HASH_LIMIT = 4 << 30  # stop hashing a zip that inflates past 4 GiB (zip bomb)


@dataclass(frozen=True)
class ContentIdentity:
    """How a fetched file is identified. `content_hash` is the version id."""

    content_hash: str
    raw_sha256: str
    is_zip: bool
    members: int = 0
    problem: str | None = None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def zip_content_hash(path: Path, *, limit: int = MEMBER_HASH_LIMIT) -> tuple[str, int]:
    """Hash of the sorted (member name, member sha256) pairs; directories are skipped.

    Raises zipfile.BadZipFile (or ValueError past `limit` inflated bytes) on a broken zip.
    """
    pairs: list[tuple[str, str]] = []
    inflated = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            digest = hashlib.sha256()
            with archive.open(info) as member:
                while chunk := member.read(1 << 20):
                    inflated += len(chunk)
                    if inflated > limit:
                        raise ValueError(f"members inflate past {limit} bytes")
                    digest.update(chunk)
            pairs.append((info.filename, digest.hexdigest()))
    outer = hashlib.sha256()
    for name, member_hash in sorted(pairs):
        outer.update(name.encode("utf-8") + b"\0" + member_hash.encode("ascii") + b"\n")
    return outer.hexdigest(), len(pairs)


def identify(path: Path, raw_sha256: str | None = None) -> ContentIdentity:
    """Identify a fetched feed file; a file that is not a readable zip is identified by its bytes."""
    raw = raw_sha256 or sha256_file(path)
    try:
        content_hash, members = zip_content_hash(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        return ContentIdentity(content_hash=raw, raw_sha256=raw, is_zip=False, problem=str(exc) or type(exc).__name__)
    return ContentIdentity(content_hash=content_hash, raw_sha256=raw, is_zip=True, members=members)


class Archive:
    """Immutable, content-addressed storage of every feed version under `root` (a local folder),
    or in `remote` with `root` as its local cache."""

    def __init__(self, root: Path, remote: ObjectStore | None = None):
        self.root = root
        self.remote = remote

    def incoming_dir(self) -> Path:
        """A scratch folder on the same file system, so that moving a download in is atomic."""
        path = self.root / ".incoming"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path_for(self, operator_id: str, feed_id: str, content_hash: str, suffix: str = ".zip") -> Path:
        return self.root / operator_id / feed_id / f"{content_hash}{suffix}"

    def store(self, source: Path, operator_id: str, feed_id: str, content_hash: str, suffix: str = ".zip") -> Path:
        """Move `source` into the archive (atomic rename); an existing version is kept as is.
        With an object store, the version is uploaded too (raises ObjectStoreError when that
        fails: the caller must not record the version; the local copy stays for the next try)."""
        target = self.path_for(operator_id, feed_id, content_hash, suffix)
        if target.exists():
            source.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
            os.replace(source, temporary)
            os.chmod(temporary, 0o444)
            os.replace(temporary, target)
        if self.remote is not None:
            self.remote.put(target, self.relative(target))
        return target

    def local_path(self, archive_path: str) -> Path:
        """A local file with the bytes of the archived `archive_path` (downloaded into the cache
        from the object store when this machine does not have it)."""
        path = self.root / archive_path
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"not an archive path: {archive_path!r}")
        if not path.is_file() and self.remote is not None and self.remote.exists(archive_path):
            self.remote.get(archive_path, path)
            os.chmod(path, 0o444)
        return path

    def holds(self, archive_path: str) -> bool:
        """The archive of record has `archive_path` (the object store when there is one)."""
        if self.remote is not None:
            return self.remote.exists(archive_path)
        return (self.root / archive_path).is_file()

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()
