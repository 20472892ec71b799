"""Collection: fetch each operator's feeds, archive new versions, record every fetch.

A static GTFS feed yields versions (content-addressed, archived forever); GBFS and GTFS-RT yield
snapshots kept for a retention window. A failed fetch deletes nothing and is recorded with its
reason; it never stops the other feeds.
"""

from __future__ import annotations

import shutil
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypedDict

from sqlalchemy.exc import IntegrityError

from regie.collect.fetch import FeedClient, FetchError, FetchRequest, FetchResponse, LocalFeedClient
from regie.collect.snapshots import SnapshotStore, fetch_gbfs_snapshot
from regie.collect.zip_screen import ZipLimits, zip_screen_problem
from regie.config.operators import Feed, FeedKind, Operator
from regie.config.region import CollectionSettings
from regie.store.archive import Archive, ContentIdentity, identify, sha256_file
from regie.store.catalogue import Catalogue, FetchRecord, VersionRecord
from regie.store.catalogue.repository import Outcome
from regie.store.objects import ObjectStoreError

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"


class FetchSubject(TypedDict):
    """What every fetch record of one attempt shares: whose feed, fetched from where and when."""

    operator_id: str
    feed_id: str
    kind: str
    source: str
    url: str
    fetched_at: datetime


class ResponseValidators(TypedDict):
    """What a fetch record keeps of the server's answer: status, the validators of a conditional
    GET and the URL finally fetched (after redirects, secrets hidden)."""

    http_status: int
    etag: str | None
    last_modified: str | None
    content_type: str | None
    final_url: str


def response_validators(response: FetchResponse, feed: Feed) -> ResponseValidators:
    return ResponseValidators(http_status=response.status, etag=response.etag,
                              last_modified=response.last_modified, content_type=response.content_type,
                              final_url=feed.redact(response.url))


class SubmitError(ValueError):
    """A handed-in file that cannot be taken; the message says why and what to do."""


class CollectError(Exception):
    """One or more feeds of an operator could not be fetched; the message names each."""


@dataclass(frozen=True)
class FeedCollection:
    """The outcome of collecting one feed once."""

    operator_id: str
    feed_id: str
    kind: FeedKind
    url: str
    fetch: FetchRecord
    version: VersionRecord | None = None

    @property
    def outcome(self) -> Outcome:
        return self.fetch.outcome

    @property
    def failed(self) -> bool:
        return self.fetch.outcome is Outcome.FAILED

    def describe(self) -> str:
        where = f"operator '{self.operator_id}', feed '{self.feed_id}' ({self.url})"
        if self.failed:
            return f"{where}: fetch failed: {self.fetch.error}"
        if self.version is not None:
            return f"{where}: {self.outcome.value}, version {self.version.content_hash[:12]}"
        return f"{where}: {self.outcome.value}"


@dataclass
class OperatorCollection:
    operator_id: str
    feeds: list[FeedCollection] = field(default_factory=list)
    pruned_snapshots: int = 0

    @property
    def failures(self) -> list[FeedCollection]:
        return [feed for feed in self.feeds if feed.failed]

    @property
    def new_versions(self) -> list[FeedCollection]:
        return [feed for feed in self.feeds if feed.outcome is Outcome.NEW_VERSION]

    def raise_for_failures(self) -> None:
        if self.failures:
            raise CollectError("; ".join(feed.describe() for feed in self.failures))


def unscreened(path: Path, raw_sha256: str | None, problem: str) -> ContentIdentity:
    """A zip that failed the screen, identified by its raw bytes (its members are never inflated)."""
    raw = raw_sha256 or sha256_file(path)
    return ContentIdentity(content_hash=raw, raw_sha256=raw, is_zip=False, problem=problem)


def _unreadable(problem: str | None) -> str:
    problem = problem or "unknown problem"
    return problem if problem.startswith("pre-screen") else f"not a readable zip: {problem}"


def _sniff(path: Path, length: int = 4) -> bytes:
    with open(path, "rb") as stream:
        return stream.read(length)


def wrong_content(kind: FeedKind, response: FetchResponse) -> str | None:
    """Why a download is not the feed at all (an HTML error page, say), or None.

    A zip that is broken inside is still archived: the quality gate reports it. Only bodies that
    the server itself labels as something else are refused here.
    """
    assert response.path is not None
    if response.size_bytes == 0:
        return "empty body"
    if kind is FeedKind.GTFS:
        head = _sniff(response.path)
        if head not in (ZIP_MAGIC, EMPTY_ZIP_MAGIC) and response.content_type in ("text/html", "application/xhtml+xml"):
            return f"wrong content type: the server sent {response.content_type}, not a GTFS zip"
    elif response.content_type in ("text/html", "application/xhtml+xml"):
        return f"wrong content type: the server sent {response.content_type}"
    return None


class Collector:
    """Collects feeds through a FeedClient into the archive, the snapshot store and the catalogue."""

    def __init__(
        self,
        *,
        client: FeedClient,
        catalogue: Catalogue,
        archive: Archive,
        snapshots: SnapshotStore,
        settings: CollectionSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        zip_limits: ZipLimits | None = None,
    ):
        self.zip_limits = zip_limits or ZipLimits()
        self.client = client
        self.catalogue = catalogue
        self.archive = archive
        self.snapshots = snapshots
        self.settings = settings
        self.clock = clock

    # public -------------------------------------------------------------------------------
    def collect_operator(self, operator: Operator) -> OperatorCollection:
        """Collect every feed of the operator; failures are recorded, not raised."""
        result = OperatorCollection(operator.id)
        for feed in operator.feeds:
            result.feeds.append(self.collect_feed(operator, feed))
        result.pruned_snapshots = self.prune_snapshots(operator.id)
        return result

    def collect_feed(self, operator: Operator, feed: Feed) -> FeedCollection:
        if feed.kind.is_static:
            return self._collect_static(operator.id, feed, source="file" if feed.is_file else "http")
        return self._collect_snapshot(operator.id, feed)

    def submit(self, operator: Operator, path: Path, feed_id: str | None = None) -> FeedCollection:
        """Hand in a file for an operator (one without a URL): same archive and catalogue path."""
        static = [feed for feed in operator.feeds if feed.kind.is_static]
        if feed_id is None:
            if len(static) != 1:
                names = ", ".join(feed.id for feed in static) or "none"
                raise ValueError(f"operator '{operator.id}' has several or no GTFS feeds ({names}): name one")
            feed = static[0]
        else:
            feed = operator.feed(feed_id)
            if not feed.kind.is_static:
                raise ValueError(f"feed '{feed_id}' of operator '{operator.id}' is {feed.kind.value}, not GTFS")
        local = path.resolve()
        if not local.exists():
            raise SubmitError(f"no such file: {path}")
        if not stat.S_ISREG(local.stat().st_mode):
            raise SubmitError(f"{path} is not a regular file (a device, a FIFO or a socket): hand in a GTFS zip")
        return self._collect_static(operator.id, feed.at_local_file(local), source="submit", client=LocalFeedClient())

    def prune_snapshots(self, operator_id: str | None = None) -> int:
        """Delete snapshots older than the retention window; their fetches stay recorded."""
        cutoff = self.clock() - timedelta(days=self.settings.snapshot_retention_days)
        pruned = 0
        for record in self.catalogue.snapshots_older_than(cutoff):
            if operator_id is not None and record.operator_id != operator_id:
                continue
            assert record.id is not None  # read from the catalogue, so stored
            self.snapshots.delete(record.snapshot_path)
            self.catalogue.forget_snapshot(record.id)
            pruned += 1
        return pruned

    # static feeds -------------------------------------------------------------------------
    def _conditional(self, operator_id: str, feed: Feed) -> FetchRecord | None:
        previous = self.catalogue.last_good_fetch(operator_id, feed.id, feed.recorded_url)
        if previous is None or previous.version_id is None:
            return None
        version = self.catalogue.version_by_id(previous.version_id)
        if not self.archive.holds(version.archive_path):
            return None  # the archive lost the file: download it again
        return previous

    def _collect_static(self, operator_id: str, feed: Feed, *, source: str,
                        client: FeedClient | None = None) -> FeedCollection:
        previous = self._conditional(operator_id, feed) if source != "submit" else None
        request = FetchRequest(
            url=feed.url,
            headers=feed.header_values(),
            etag=previous.etag if previous else None,
            last_modified=previous.last_modified if previous else None,
            max_bytes=self.settings.max_bytes,
            secrets=feed.url_secrets,
        )
        started = time.monotonic()
        fetched_at = self.clock()
        base = FetchSubject(operator_id=operator_id, feed_id=feed.id, kind=feed.kind.value, source=source,
                            url=feed.recorded_url, fetched_at=fetched_at)
        dest = self.archive.incoming_dir() / f"{uuid.uuid4().hex}.part"
        try:
            response = (client or self.client).fetch(request, dest)
        except FetchError as exc:
            return self._failed(feed, base, exc.cause, status=exc.status, attempts=exc.attempts, started=started)

        attempts, duration_s = response.attempts, round(time.monotonic() - started, 3)
        validators = response_validators(response, feed)
        if response.not_modified:
            assert previous is not None and previous.version_id is not None
            version = self.catalogue.version_by_id(previous.version_id)
            record = FetchRecord(**base, **validators, attempts=attempts, duration_s=duration_s, outcome=Outcome.NOT_MODIFIED,
                                 raw_sha256=version.raw_sha256, content_hash=version.content_hash,
                                 size_bytes=version.size_bytes, version_id=version.id)
            return FeedCollection(operator_id, feed.id, feed.kind, feed.shown_url, self.catalogue.record_fetch(record), version)

        assert response.path is not None
        problem = wrong_content(feed.kind, response)
        if problem:
            response.path.unlink(missing_ok=True)
            return self._failed(feed, base, problem, status=response.status, attempts=response.attempts, started=started)

        screened = zip_screen_problem(response.path, self.zip_limits)
        identity = identify(response.path, response.sha256) if screened is None else unscreened(
            response.path, response.sha256, screened)
        try:
            version, outcome = self._archive_version(operator_id, feed, source, response.path, response.size_bytes,
                                                     identity, fetched_at)
        except ObjectStoreError as exc:  # not recorded: the next fetch archives it again; the bytes stay cached
            return self._failed(feed, base, f"archive: {exc}", status=response.status, attempts=response.attempts,
                                started=started)
        record = FetchRecord(**base, **validators, attempts=attempts, duration_s=duration_s, outcome=outcome,
                             raw_sha256=identity.raw_sha256, content_hash=identity.content_hash,
                             size_bytes=response.size_bytes, version_id=version.id,
                             error=None if identity.is_zip else _unreadable(identity.problem))
        return FeedCollection(operator_id, feed.id, feed.kind, feed.shown_url, self.catalogue.record_fetch(record), version)

    def _archive_version(
        self, operator_id: str, feed: Feed, source: str, path: Path, size_bytes: int, identity: ContentIdentity,
        fetched_at: datetime,
    ) -> tuple[VersionRecord, Outcome]:
        """Archive the downloaded file at `path` as a new version, unless its content is a known one."""
        known = self.catalogue.find_version(operator_id, feed.id, identity.content_hash)
        if known is not None:
            path.unlink(missing_ok=True)
            return known, Outcome.UNCHANGED
        suffix = ".zip" if identity.is_zip else ".bin"
        stored = self.archive.store(path, operator_id, feed.id, identity.content_hash, suffix)
        try:
            version = self.catalogue.add_version(
                operator_id=operator_id, feed_id=feed.id, content_hash=identity.content_hash,
                raw_sha256=identity.raw_sha256, size_bytes=size_bytes, is_zip=int(identity.is_zip),
                archive_path=self.archive.relative(stored), source=source, url=feed.recorded_url,
                first_seen_at=fetched_at,
            )
        except IntegrityError:  # a concurrent run archived the same content first
            concurrent = self.catalogue.find_version(operator_id, feed.id, identity.content_hash)
            assert concurrent is not None
            return concurrent, Outcome.UNCHANGED
        return version, Outcome.NEW_VERSION

    # snapshots ----------------------------------------------------------------------------
    def _collect_snapshot(self, operator_id: str, feed: Feed) -> FeedCollection:
        started = time.monotonic()
        fetched_at = self.clock()
        base = FetchSubject(operator_id=operator_id, feed_id=feed.id, kind=feed.kind.value,
                            source="file" if feed.is_file else "http", url=feed.recorded_url, fetched_at=fetched_at)
        folder = self.snapshots.new_folder(operator_id, feed.id, fetched_at)
        try:
            if feed.kind is FeedKind.GBFS:
                snapshot = fetch_gbfs_snapshot(self.client, feed, folder, self.settings.max_bytes)
            else:
                snapshot = self.snapshots.fetch_single(self.client, feed, folder, self.settings.max_bytes)
        except FetchError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            return self._failed(feed, base, exc.cause, status=exc.status, attempts=exc.attempts, started=started)
        problem = wrong_content(feed.kind, snapshot.root_response)
        if problem:
            shutil.rmtree(folder, ignore_errors=True)
            return self._failed(feed, base, problem, status=snapshot.root_response.status, attempts=1, started=started)
        record = FetchRecord(
            **base, **response_validators(snapshot.root_response, feed), outcome=Outcome.SNAPSHOT,
            raw_sha256=snapshot.root_response.sha256,
            content_hash=snapshot.content_hash, size_bytes=snapshot.size_bytes,
            snapshot_path=self.snapshots.relative(folder), attempts=snapshot.root_response.attempts,
            duration_s=round(time.monotonic() - started, 3),
        )
        return FeedCollection(operator_id, feed.id, feed.kind, feed.shown_url, self.catalogue.record_fetch(record))

    # failures -----------------------------------------------------------------------------
    def _failed(
        self, feed: Feed, base: FetchSubject, cause: str, *, status: int | None, attempts: int, started: float
    ) -> FeedCollection:
        record = FetchRecord(**base, outcome=Outcome.FAILED, http_status=status, attempts=attempts,
                             duration_s=round(time.monotonic() - started, 3), error=cause)
        return FeedCollection(base["operator_id"], feed.id, feed.kind, feed.shown_url, self.catalogue.record_fetch(record))
