"""The loopback static server: safe paths, content types, validators, conditional GETs."""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from regie.demo.server import FeedServer, serve_directory

FILES = {
    "feed.zip": (b"PK\x03\x04zip", "application/zip"),
    "gbfs.json": (b'{"data": {}}', "application/json"),
    "trip_updates.pb": (b"\x0a\x0d\x0a\x031.0", "application/x-protobuf"),
    "notes.txt": (b"hello", "text/plain"),
    "blob.bin": (b"\x00\x01", "application/octet-stream"),
    "sub dir/inner.zip": (b"PK inner", "application/zip"),
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FeedServer]:
    root = tmp_path / "root"
    for name, (body, _) in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    (tmp_path / "secret.txt").write_text("outside the root")
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    with serve_directory(root) as running:
        yield running


def get(server: FeedServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """Send `path` verbatim (no client-side normalisation of '..'); returns (response, body)."""
    host, port = server.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def test_base_url_is_loopback(server: FeedServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert server.url("sub dir/inner.zip") == server.base_url + "/sub%20dir/inner.zip"


@pytest.mark.parametrize("name", sorted(FILES))
def test_serves_files_with_type_length_and_validators(server: FeedServer, name: str) -> None:
    body, media_type = FILES[name]
    response, got = get(server, "/" + name.replace(" ", "%20"))
    assert response.status == 200 and got == body
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert response.headers["Content-Length"] == str(len(body))
    assert response.headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    assert email.utils.parsedate_to_datetime(response.headers["Last-Modified"])


@pytest.mark.parametrize(
    "path",
    [
        "/../etc/passwd",
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/sub%20dir/../../secret.txt",
        "/%2e%2e/secret.txt",
        "//etc/passwd",
        "/escape.txt",  # a symlink pointing outside the root
        "/missing.zip",
        "/",
        "/sub%20dir/",
        "/feed.zip%00.txt",
    ],
)
def test_nothing_outside_the_root_nor_folders(server: FeedServer, path: str) -> None:
    response, body = get(server, path)
    assert response.status in (403, 404)
    assert b"root:" not in body and b"outside the root" not in body


def test_head_sends_headers_only(server: FeedServer) -> None:
    response, body = get(server, "/feed.zip", method="HEAD")
    assert response.status == 200 and body == b""
    assert response.headers["Content-Length"] == str(len(FILES["feed.zip"][0]))


def test_if_none_match(server: FeedServer) -> None:
    first, _ = get(server, "/feed.zip")
    etag = first.headers["ETag"]
    for header in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        response, body = get(server, "/feed.zip", {"If-None-Match": header})
        assert (response.status, body) == (304, b""), header
        assert response.headers["ETag"] == etag
    response, body = get(server, "/feed.zip", {"If-None-Match": '"stale"'})
    assert response.status == 200 and body == FILES["feed.zip"][0]


def test_if_modified_since(server: FeedServer) -> None:
    first, _ = get(server, "/feed.zip")
    last_modified = first.headers["Last-Modified"]
    mtime = email.utils.parsedate_to_datetime(last_modified).timestamp()
    later = email.utils.formatdate(mtime + 60, usegmt=True)
    earlier = email.utils.formatdate(mtime - 60, usegmt=True)
    assert get(server, "/feed.zip", {"If-Modified-Since": last_modified})[0].status == 304
    assert get(server, "/feed.zip", {"If-Modified-Since": later})[0].status == 304
    assert get(server, "/feed.zip", {"If-Modified-Since": earlier})[0].status == 200
    assert get(server, "/feed.zip", {"If-Modified-Since": "not a date"})[0].status == 200
    # If-None-Match wins over If-Modified-Since.
    both = {"If-None-Match": '"stale"', "If-Modified-Since": later}
    assert get(server, "/feed.zip", both)[0].status == 200


def test_etag_follows_changes(server: FeedServer) -> None:
    first, _ = get(server, "/notes.txt")
    path = server.root / "notes.txt"
    path.write_bytes(b"changed")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    response, body = get(server, "/notes.txt", {"If-None-Match": first.headers["ETag"]})
    assert response.status == 200 and body == b"changed"
    assert response.headers["ETag"] == f'"{hashlib.sha256(b"changed").hexdigest()}"'


def test_stop_closes_the_port(tmp_path: Path) -> None:
    server = FeedServer(tmp_path).start()
    host, port = server.base_url.removeprefix("http://").split(":")
    server.stop()
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection(host, int(port), timeout=2).connect()
    server.stop()  # idempotent


def test_command_line_serves_until_interrupted(tmp_path: Path) -> None:
    (tmp_path / "feed.zip").write_bytes(b"PK")
    command = [sys.executable, "-m", "regie.demo.server", str(tmp_path), "--port", "0"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    ) as process:
        try:
            line = process.stdout.readline()
            assert "http://127.0.0.1:" in line
            host, port = line.split(" at http://")[1].split()[0].split(":")
            connection = http.client.HTTPConnection(host, int(port), timeout=5)
            connection.request("GET", "/feed.zip")
            assert connection.getresponse().read() == b"PK"
            connection.close()
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=5) == 0
            assert process.stderr.read() == ""
        finally:
            if process.poll() is None:
                process.kill()
