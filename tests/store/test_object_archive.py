"""The archive on an S3-compatible object store (moto's server on loopback): versions archived,
read back on another machine (an empty cache) with the same content hash, nothing lost or
half-written when an upload fails."""

from __future__ import annotations

import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from regie.store.archive import Archive, identify
from regie.store.objects import ObjectStore, ObjectStoreError

BUCKET = "regie-archive"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An S3-compatible server on loopback, with the credentials a deployment would set."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {"AWS_ACCESS_KEY_ID": "regie-test", "AWS_SECRET_ACCESS_KEY": "regie-test-secret",
                        "AWS_DEFAULT_REGION": "us-east-1", "REGIE_ARCHIVE_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(name, value)
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)  # moto's state is per Python process
    store = ObjectStore.from_environment(f"s3://{BUCKET}")
    store.fs.invalidate_cache()
    store.fs.mkdir(BUCKET)
    try:
        yield endpoint
    finally:
        server.stop()


def _feed(path: Path, payload: bytes = b"") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("agency.txt", b"agency_id,agency_name\na,Hiribus\n")
        archive.writestr("stops.txt", b"stop_id,stop_name\ns1,Gare\n" + payload)
    return path


def _remote_archive(root: Path, **options) -> Archive:
    return Archive(root, remote=ObjectStore.from_environment(f"s3://{BUCKET}/archive") if not options
                   else ObjectStore(f"s3://{BUCKET}/archive", **options))


def test_archived_versions_are_read_back_elsewhere_with_their_hash(s3, tmp_path):
    feed = _feed(tmp_path / "download.zip")
    identity = identify(feed)
    archive = _remote_archive(tmp_path / "machine-a")
    stored = archive.store(feed, "hiribus", "gtfs", identity.content_hash)
    relative = archive.relative(stored)
    assert archive.holds(relative) and archive.remote is not None and archive.remote.size(relative) == stored.stat().st_size

    elsewhere = _remote_archive(tmp_path / "machine-b")  # another worker: nothing cached
    assert not (elsewhere.root / relative).exists()
    copy = elsewhere.local_path(relative)
    assert copy.is_file() and identify(copy).content_hash == identity.content_hash
    assert copy.read_bytes() == stored.read_bytes()


def test_a_failed_upload_leaves_no_object_and_keeps_the_local_copy(s3, tmp_path, monkeypatch):
    """A multipart upload that dies on its second part: no object under the key (S3 only shows
    completed uploads), the store raises, the local copy stays, and the next try completes it."""
    feed = _feed(tmp_path / "big.zip", payload=b"s2,Quai\n" * (1_400_000))  # ~11 MiB: three 5 MiB parts
    content_hash = identify(feed).content_hash
    archive = _remote_archive(tmp_path / "machine-a", options={"client_kwargs": {"endpoint_url": s3}},
                              part_size=5 << 20)
    assert archive.remote is not None
    calls = {"upload_part": 0}
    original = type(archive.remote.fs)._call_s3

    async def flaky(self, method, *args, **kwargs):
        if method == "upload_part":
            calls["upload_part"] += 1
            if calls["upload_part"] == 2:
                raise ConnectionResetError("connection reset by peer")
        return await original(self, method, *args, **kwargs)

    monkeypatch.setattr(type(archive.remote.fs), "_call_s3", flaky)
    with pytest.raises(ObjectStoreError, match="upload of hiribus/gtfs/.* failed"):
        archive.store(feed, "hiribus", "gtfs", content_hash)
    assert calls["upload_part"] >= 2  # it failed in the middle of a multipart upload
    relative = f"hiribus/gtfs/{content_hash}.zip"
    assert not archive.holds(relative)
    assert (archive.root / relative).is_file()  # nothing lost: the bytes wait in the local cache

    monkeypatch.setattr(type(archive.remote.fs), "_call_s3", original)
    again = _feed(tmp_path / "again.zip", payload=b"s2,Quai\n" * (1_400_000))
    archive.store(again, "hiribus", "gtfs", content_hash)  # the next fetch of the same version
    assert archive.holds(relative)
    fresh = _remote_archive(tmp_path / "machine-b")
    assert identify(fresh.local_path(relative)).content_hash == content_hash


def test_keys_cannot_leave_the_prefix(s3, tmp_path):
    archive = _remote_archive(tmp_path / "cache")
    with pytest.raises(ValueError):
        archive.local_path("../../etc/passwd")
    assert archive.remote is not None
    with pytest.raises(ValueError):
        archive.remote.key_url("../outside.zip")
