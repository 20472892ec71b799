"""The feed client interface: fetch one URL into a file, streaming, hashing as it goes."""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from regie.config.urls import MASK, redact_url


@dataclass(frozen=True)
class FetchRequest:
    """One download. `secrets`: the values in `url` that messages must hide (see regie.config.urls)."""

    url: str = field(repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    etag: str | None = None
    last_modified: str | None = None
    max_bytes: int = 1 << 30
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def shown_url(self) -> str:
        """The url as messages show it: password, secret query values and user-info hidden."""
        return redact_url(self.url, self.secrets)

    def redact(self, text: str) -> str:
        for secret in sorted((s for s in self.secrets if s), key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text


@dataclass(frozen=True)
class FetchResponse:
    """What came back. `path` is None when the server answered 304 Not Modified."""

    url: str
    status: int
    path: Path | None
    size_bytes: int = 0
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(Exception):
    """A fetch that failed for good (after retries); `cause` says why in plain words."""

    def __init__(self, url: str, cause: str, *, status: int | None = None, attempts: int = 1):
        super().__init__(f"{url}: {cause}")
        self.url = url
        self.cause = cause
        self.status = status
        self.attempts = attempts


class FeedClient(abc.ABC):
    """Fetch a URL into `dest`. Raise FetchError on failure; never leave a partial `dest`."""

    @abc.abstractmethod
    def fetch(self, request: FetchRequest, dest: Path) -> FetchResponse: ...


def write_capped(chunks: Iterable[bytes], dest: Path, max_bytes: int, url: str) -> tuple[int, str]:
    """Stream chunks into dest, hashing; raise FetchError (and remove dest) past max_bytes."""
    digest = hashlib.sha256()
    size = 0
    try:
        with open(dest, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(url, f"body larger than the size cap of {max_bytes} bytes")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def read_chunks(stream: BinaryIO, chunk_size: int = 1 << 20) -> Iterable[bytes]:
    while chunk := stream.read(chunk_size):
        yield chunk
