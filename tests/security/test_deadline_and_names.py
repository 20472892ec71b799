"""A total deadline per download (item 5) and name resolution failures (item 7)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from regie.collect.fetch import AddressPolicy, FetchError, FetchRequest, HttpFeedClient
from tests.security.conftest import FakeResolver, Sleeps

LOOPBACK = AddressPolicy(allow_loopback=True)


@contextmanager
def dripping_server(head: bytes, interval_s: float = 0.3) -> Iterator[str]:
    """Sends `head`, then one byte every `interval_s` until the client hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(4096)
                conn.sendall(head)
                while not stop.is_set():
                    conn.sendall(b"x")
                    time.sleep(interval_s)
            except OSError:  # the client cut the connection
                pass

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed.zip"
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


@pytest.mark.parametrize("head", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",  # the body ends when the connection does
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n",
])
def test_a_dripping_server_cannot_outlast_the_deadline(tmp_path: Path, sleeps: Sleeps, head: bytes) -> None:
    dest = tmp_path / "feed.zip"
    with dripping_server(head) as url, pytest.raises(FetchError) as failed:
        client = HttpFeedClient(read_timeout_s=2, retries=3, deadline_s=1, policy=LOOPBACK, sleep=sleeps)
        with client:
            client.fetch(FetchRequest(url), dest)
    assert "deadline of 1 s" in failed.value.cause
    assert not dest.exists()


def test_a_name_that_does_not_exist_fails_at_once(tmp_path: Path, resolver: FakeResolver, sleeps: Sleeps) -> None:
    with HttpFeedClient(retries=3, resolver=resolver, sleep=sleeps) as client, pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest("https://gone.example/feed.zip"), tmp_path / "feed.zip")
    assert "the host name 'gone.example' does not exist" in failed.value.cause
    assert failed.value.attempts == 1 and sleeps == [] and resolver.lookups == ["gone.example"]


def test_a_temporary_resolver_failure_is_retried_once(tmp_path: Path, resolver: FakeResolver, sleeps: Sleeps) -> None:
    with HttpFeedClient(retries=3, resolver=resolver, sleep=sleeps) as client, pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest("https://flaky.example/feed.zip"), tmp_path / "feed.zip")
    assert "could not resolve the host name 'flaky.example'" in failed.value.cause
    assert failed.value.attempts == 2 and len(sleeps) == 1


def test_connection_refused_and_5xx_keep_their_retries(
    httpserver: HTTPServer, tmp_path: Path, resolver: FakeResolver, sleeps: Sleeps
) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with HttpFeedClient(retries=3, policy=LOOPBACK, resolver=resolver, sleep=sleeps) as client:
        with pytest.raises(FetchError) as refused:
            client.fetch(FetchRequest(f"http://feeds.example:{port}/feed.zip"), tmp_path / "a")
        httpserver.expect_request("/feed.zip").respond_with_data("down", status=503)
        with pytest.raises(FetchError) as unavailable:
            client.fetch(FetchRequest(httpserver.url_for("/feed.zip")), tmp_path / "b")
    assert "connection refused" in refused.value.cause and refused.value.attempts == 4
    assert "HTTP 503" in unavailable.value.cause and unavailable.value.attempts == 4
