"""HttpFeedClient against loopback servers: pytest-httpserver, the devserver and raw sockets."""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from regie.collect.fetch import AddressPolicy, FetchError, FetchRequest, HttpFeedClient
from regie.demo.server import serve_directory

BODY = b"PK\x03\x04" + bytes(range(256)) * 40

LOOPBACK = AddressPolicy(allow_loopback=True)  # the test servers listen on loopback


class Sleeps(list[float]):
    """An injectable sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sleeps: Sleeps) -> Iterator[HttpFeedClient]:
    with HttpFeedClient(connect_timeout_s=2, read_timeout_s=2, retries=3, backoff_s=0.5, sleep=sleeps, policy=LOOPBACK) as c:
        yield c


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    """Where fetches land, in a folder of its own so leftovers are easy to spot."""
    (tmp_path / "out").mkdir()
    return tmp_path / "out" / "feed.zip"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftovers(dest: Path) -> list[Path]:
    return list(dest.parent.iterdir())


# --- raw socket server, for what well-behaved servers cannot do (truncate, stall) -------------


@contextmanager
def raw_server(respond: Callable[[socket.socket], None]) -> Iterator[tuple[str, list[bytes]]]:
    """Answer each connection (on its own thread) with `respond(conn)`; yields (url, request heads)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    heads: list[bytes] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(2)
                head = b""
                while b"\r\n\r\n" not in head and (chunk := conn.recv(4096)):
                    head += chunk
                heads.append(head)
                respond(conn)
            except OSError:  # the client hung up first
                pass

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed.zip", heads
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


def head_then(head: str, body: bytes, stall_s: float = 0.0) -> Callable[[socket.socket], None]:
    def respond(conn: socket.socket) -> None:
        conn.sendall(head.encode() + b"\r\n" + body)
        time.sleep(stall_s)

    return respond


# --- success paths --------------------------------------------------------------------------------


def test_200_streams_body_with_hash_size_type_and_validators(
    httpserver: HTTPServer, client: HttpFeedClient, dest: Path
) -> None:
    httpserver.expect_request("/feed.zip", headers={"User-Agent": "Regie/0.1"}).respond_with_data(
        BODY, content_type="application/zip; charset=binary",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 May 2024 10:00:00 GMT"},
    )
    response = client.fetch(FetchRequest(httpserver.url_for("/feed.zip")), dest)
    assert (response.status, response.path, response.attempts) == (200, dest, 1)
    assert dest.read_bytes() == BODY
    assert response.size_bytes == len(BODY)
    assert response.sha256 == sha256(BODY)
    assert response.content_type == "application/zip"
    assert (response.etag, response.last_modified) == ('"v1"', "Wed, 01 May 2024 10:00:00 GMT")
    assert not response.not_modified


def test_304_via_etag(tmp_path: Path, client: HttpFeedClient, dest: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "feed.zip").write_bytes(BODY)
    with serve_directory(root) as server:
        first = client.fetch(FetchRequest(server.url("feed.zip")), dest)
        assert first.etag == f'"{sha256(BODY)}"'
        dest.unlink()
        again = client.fetch(FetchRequest(server.url("feed.zip"), etag=first.etag), dest)
    assert again.not_modified and again.path is None and not dest.exists()
    assert again.etag == first.etag and again.last_modified == first.last_modified


def test_304_via_last_modified(tmp_path: Path, client: HttpFeedClient, dest: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "feed.zip").write_bytes(BODY)
    with serve_directory(root) as server:
        first = client.fetch(FetchRequest(server.url("feed.zip")), dest)
        assert first.last_modified
        again = client.fetch(FetchRequest(server.url("feed.zip"), last_modified=first.last_modified), dest)
        assert again.status == 304 and again.path is None
        (root / "feed.zip").write_bytes(BODY + b"new")
        os.utime(root / "feed.zip", (time.time() + 10, time.time() + 10))
        changed = client.fetch(FetchRequest(server.url("feed.zip"), last_modified=first.last_modified), dest)
    assert changed.status == 200 and dest.read_bytes() == BODY + b"new"


def test_304_keeps_request_validators_when_server_omits_them(
    httpserver: HTTPServer, client: HttpFeedClient, dest: Path
) -> None:
    httpserver.expect_request("/feed.zip", headers={"If-None-Match": '"v1"'}).respond_with_data(b"", status=304)
    response = client.fetch(FetchRequest(httpserver.url_for("/feed.zip"), etag='"v1"', last_modified="x"), dest)
    assert (response.status, response.etag, response.last_modified) == (304, '"v1"', "x")


def test_redirect_reports_final_url(httpserver: HTTPServer, client: HttpFeedClient, dest: Path) -> None:
    httpserver.expect_request("/latest").respond_with_data("", status=302, headers={"Location": "/v2/feed.zip"})
    httpserver.expect_request("/v2/feed.zip").respond_with_data(BODY)
    response = client.fetch(FetchRequest(httpserver.url_for("/latest")), dest)
    assert response.url == httpserver.url_for("/v2/feed.zip")
    assert response.sha256 == sha256(BODY)


def test_cross_host_redirect_drops_custom_headers(
    httpserver: HTTPServer, client: HttpFeedClient, dest: Path
) -> None:
    with raw_server(head_then("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n", b"ok")) as (
        other, heads,
    ):
        httpserver.expect_request("/feed.zip").respond_with_data("", status=302, headers={"Location": other})
        response = client.fetch(FetchRequest(httpserver.url_for("/feed.zip"), headers={"ApiKey": "secret"}), dest)
    assert response.url == other and dest.read_bytes() == b"ok"
    assert httpserver.log[0][0].headers["ApiKey"] == "secret"
    assert b"secret" not in heads[0] and b"Regie/0.1" in heads[0]


def test_wrong_content_type_is_only_reported(httpserver: HTTPServer, client: HttpFeedClient, dest: Path) -> None:
    httpserver.expect_request("/feed.zip").respond_with_data("<html>login</html>", content_type="text/html")
    response = client.fetch(FetchRequest(httpserver.url_for("/feed.zip")), dest)
    assert response.status == 200 and response.content_type == "text/html"


def test_required_header_is_sent(httpserver: HTTPServer, client: HttpFeedClient, dest: Path) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("ApiKey") != "secret":
            return Response("missing key", status=401)
        return Response(BODY, content_type="application/zip")

    httpserver.expect_request("/feed.zip").respond_with_handler(handler)
    url = httpserver.url_for("/feed.zip")
    with pytest.raises(FetchError) as denied:
        client.fetch(FetchRequest(url), dest)
    assert denied.value.status == 401 and "401 Unauthorized" in denied.value.cause
    response = client.fetch(FetchRequest(url, headers={"ApiKey": "secret"}), dest)
    assert response.sha256 == sha256(BODY)


def test_gzip_content_encoding_is_decoded(httpserver: HTTPServer, client: HttpFeedClient, dest: Path) -> None:
    text = b'{"data": "' + b"x" * 10_000 + b'"}'
    httpserver.expect_request("/gbfs.json").respond_with_data(
        gzip.compress(text), content_type="application/json", headers={"Content-Encoding": "gzip"}
    )
    response = client.fetch(FetchRequest(httpserver.url_for("/gbfs.json")), dest)
    assert dest.read_bytes() == text
    assert response.size_bytes == len(text) and response.sha256 == sha256(text)


def test_file_url_is_delegated_to_the_local_client(tmp_path: Path, sleeps: Sleeps, dest: Path) -> None:
    source = tmp_path / "feed.zip"
    source.write_bytes(BODY)
    client = HttpFeedClient(retries=0, sleep=sleeps, file_roots=[tmp_path])
    response = client.fetch(FetchRequest(source.as_uri()), dest)
    assert response.status == 200 and response.sha256 == sha256(BODY)
    again = client.fetch(FetchRequest(source.as_uri(), last_modified=response.last_modified), dest)
    assert again.not_modified


# --- failures -------------------------------------------------------------------------------------


def test_404_fails_at_once_without_retry(
    httpserver: HTTPServer, client: HttpFeedClient, sleeps: Sleeps, dest: Path
) -> None:
    httpserver.expect_request("/gone.zip").respond_with_data("nope", status=404)
    with pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest(httpserver.url_for("/gone.zip")), dest)
    assert (failed.value.status, failed.value.attempts, failed.value.cause) == (404, 1, "HTTP 404 Not Found")
    assert len(httpserver.log) == 1 and sleeps == []
    assert leftovers(dest) == []


def test_500_then_success_retries_with_backoff(
    httpserver: HTTPServer, client: HttpFeedClient, sleeps: Sleeps, dest: Path
) -> None:
    httpserver.expect_ordered_request("/feed.zip").respond_with_data("boom", status=500)
    httpserver.expect_ordered_request("/feed.zip").respond_with_data(BODY)
    response = client.fetch(FetchRequest(httpserver.url_for("/feed.zip")), dest)
    assert response.attempts == 2 and response.sha256 == sha256(BODY)
    assert sleeps == [0.5]


def test_always_500_fails_after_all_attempts(
    httpserver: HTTPServer, client: HttpFeedClient, sleeps: Sleeps, dest: Path
) -> None:
    httpserver.expect_request("/feed.zip").respond_with_data("boom", status=500)
    with pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest(httpserver.url_for("/feed.zip")), dest)
    assert failed.value.cause == "HTTP 500 Internal Server Error after 4 attempts"
    assert (failed.value.status, failed.value.attempts) == (500, 4)
    assert len(httpserver.log) == 4 and sleeps == [0.5, 1.0, 2.0]
    assert leftovers(dest) == []


def test_read_timeout_before_headers(httpserver: HTTPServer, sleeps: Sleeps, dest: Path) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.3)
        return Response(BODY)

    httpserver.expect_request("/feed.zip").respond_with_handler(slow)
    client = HttpFeedClient(read_timeout_s=0.1, retries=0, sleep=sleeps, policy=LOOPBACK)
    with client, pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest(httpserver.url_for("/feed.zip")), dest)
    assert failed.value.cause == "read timed out after 0.1 s"
    assert leftovers(dest) == []
    deadline = time.monotonic() + 2  # let the handler finish: its late log entry must not leak
    while not httpserver.log and time.monotonic() < deadline:  # into the next test's log
        time.sleep(0.01)


def test_read_timeout_mid_body_leaves_no_file(sleeps: Sleeps, dest: Path) -> None:
    stall = head_then("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n", BODY[:1000], stall_s=0.4)
    with (
        raw_server(stall) as (url, heads),
        HttpFeedClient(read_timeout_s=0.1, retries=1, sleep=sleeps, policy=LOOPBACK) as client,
        pytest.raises(FetchError) as failed,
    ):
        client.fetch(FetchRequest(url), dest)
    assert failed.value.cause == "read timed out after 0.1 s (2 attempts)"
    assert failed.value.attempts == 2 and len(heads) == 2
    assert leftovers(dest) == []


def test_connection_refused(client: HttpFeedClient, sleeps: Sleeps, dest: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest(f"http://127.0.0.1:{port}/feed.zip"), dest)
    assert failed.value.cause == "connection refused (4 attempts)"
    assert failed.value.status is None and failed.value.attempts == 4 and len(sleeps) == 3
    assert leftovers(dest) == []


def test_oversize_with_content_length_is_refused_up_front(client: HttpFeedClient, dest: Path) -> None:
    # Advertises 1 TB but sends 10 bytes: downloading would end in "truncated", not in the cap.
    huge = head_then("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n", b"0123456789")
    with raw_server(huge) as (url, heads), pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest(url, max_bytes=1000), dest)
    assert "size cap of 1000 bytes" in failed.value.cause
    assert failed.value.attempts == 1 and len(heads) == 1
    assert leftovers(dest) == []


def test_oversize_chunked_body_is_stopped_at_the_cap(
    httpserver: HTTPServer, client: HttpFeedClient, dest: Path
) -> None:
    httpserver.expect_request("/feed.zip").respond_with_handler(
        lambda request: Response(iter([b"x" * 1000] * 50))  # a generator: no Content-Length
    )
    with pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest(httpserver.url_for("/feed.zip"), max_bytes=10_000), dest)
    assert failed.value.cause == "body larger than the size cap of 10000 bytes"
    assert failed.value.attempts == 1 and len(httpserver.log) == 1
    assert leftovers(dest) == []


def test_truncated_body_is_retried_then_fails(client: HttpFeedClient, sleeps: Sleeps, dest: Path) -> None:
    short = head_then("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n", BODY[:1200])
    with raw_server(short) as (url, heads), pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest(url), dest)
    assert failed.value.cause == "body truncated: got 1200 of 5000 bytes (4 attempts)"
    assert failed.value.attempts == 4 and len(heads) == 4 and sleeps == [0.5, 1.0, 2.0]
    assert leftovers(dest) == []


def test_truncated_chunked_body(client: HttpFeedClient, dest: Path) -> None:
    broken = head_then("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n", b"400\r\n" + b"x" * 100)
    with raw_server(broken) as (url, _), pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest(url), dest)
    assert failed.value.cause.startswith("body truncated")
    assert leftovers(dest) == []


def test_unsupported_scheme(client: HttpFeedClient, dest: Path) -> None:
    with pytest.raises(FetchError, match="unsupported URL scheme 'ftp'"):
        client.fetch(FetchRequest("ftp://example.invalid/feed.zip"), dest)


# --- the real feeds, over loopback ----------------------------------------------------------------


def test_real_feeds_over_loopback(client: HttpFeedClient, dest: Path, feeds_dir: Path) -> None:
    root = feeds_dir / "regional_bayarea"
    zips = sorted(root.glob("*.zip"))
    assert zips
    with serve_directory(root) as server:
        for source in zips:
            target = dest.parent / source.name
            response = client.fetch(FetchRequest(server.url(source.name)), target)
            assert response.sha256 == hashlib.sha256(source.read_bytes()).hexdigest(), source.name
            assert response.size_bytes == source.stat().st_size
            assert response.content_type == "application/zip"
            again = client.fetch(FetchRequest(server.url(source.name), etag=response.etag), target)
            assert again.not_modified
