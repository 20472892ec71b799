"""An object store for the archive: any fsspec file system (S3-compatible storage through s3fs,
or a local path), addressed by a URL such as `s3://bucket/regie/archive`.

Objects are written whole or not at all: S3 shows an object only once its upload is complete, and
on other file systems an object is written under a temporary name and then renamed. So an upload
that fails half-way leaves nothing under the object's key.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fsspec

ATOMIC_PUT_PROTOCOLS = {"s3", "s3a", "gs", "gcs", "abfs", "az"}  # object stores: a PUT is all or nothing


class ObjectStoreError(OSError):
    """An upload or download failed; the message names the URL, never a credential."""


@dataclass
class ObjectStore:
    """Objects under `url` (a prefix), through an fsspec file system."""

    url: str
    options: Mapping[str, Any] = field(default_factory=dict)
    part_size: int | None = None  # multipart upload part size on object stores (None: s3fs's default)

    def __post_init__(self) -> None:
        self.fs, self.prefix = fsspec.core.url_to_fs(self.url, **dict(self.options))
        self.prefix = self.prefix.rstrip("/")
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple | list) else (self.fs.protocol,)
        self.atomic_put = bool(ATOMIC_PUT_PROTOCOLS & set(protocols))

    @classmethod
    def from_environment(cls, url: str, env: Mapping[str, str] | None = None) -> ObjectStore:
        """S3-compatible servers other than AWS need an endpoint: REGIE_ARCHIVE_ENDPOINT_URL.
        Credentials come the usual way (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, a role)."""
        variables = os.environ if env is None else env
        options: dict[str, Any] = {}
        if url.startswith(("s3://", "s3a://")) and variables.get("REGIE_ARCHIVE_ENDPOINT_URL"):
            options["client_kwargs"] = {"endpoint_url": variables["REGIE_ARCHIVE_ENDPOINT_URL"]}
        return cls(url, options)

    def key_url(self, key: str) -> str:
        if key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"not an object key: {key!r}")
        return f"{self.prefix}/{key}"

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self.key_url(key)))

    def size(self, key: str) -> int | None:
        try:
            return int(self.fs.info(self.key_url(key))["size"])
        except FileNotFoundError:
            return None

    def put(self, local: Path, key: str) -> None:
        """Upload `local` as `key`, whole or not at all; an existing object is left as it is
        (keys are content hashes: the same key is the same bytes)."""
        target = self.key_url(key)
        try:
            if self.fs.exists(target):
                return
            if self.atomic_put:
                self.fs.put_file(str(local), target, **({"chunksize": self.part_size} if self.part_size else {}))
            else:
                temporary = f"{target}.tmp-{uuid.uuid4().hex}"
                self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
                try:
                    self.fs.put_file(str(local), temporary)
                    self.fs.mv(temporary, target)
                finally:
                    if self.fs.exists(temporary):
                        self.fs.rm(temporary)
        except Exception as exc:  # any transport error: the caller keeps the local copy
            raise ObjectStoreError(f"upload of {key} to {self.url} failed: {type(exc).__name__}: {exc}") from exc
        if self.size(key) != local.stat().st_size:
            raise ObjectStoreError(f"upload of {key} to {self.url} is incomplete")
        self.fs.invalidate_cache()

    def get(self, key: str, local: Path) -> Path:
        """Download `key` to `local` (through a temporary file and a rename)."""
        local.parent.mkdir(parents=True, exist_ok=True)
        temporary = local.with_name(f".{local.name}.part-{os.getpid()}")
        try:
            self.fs.get_file(self.key_url(key), str(temporary))
            os.replace(temporary, local)
        except FileNotFoundError:
            raise
        except Exception as exc:
            raise ObjectStoreError(f"download of {key} from {self.url} failed: {type(exc).__name__}: {exc}") from exc
        finally:
            temporary.unlink(missing_ok=True)
        return local
