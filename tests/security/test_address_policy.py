"""The address policy: judged on resolved addresses, on every hop, and the connection goes to the
address that was judged (issue 14, item 2)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from regie.collect.fetch import AddressPolicy, FetchError, FetchRequest, HttpFeedClient
from regie.collect.fetch.addresses import AddressRefused, resolve_allowed
from tests.security.conftest import FakeResolver, Sleeps

BODY = b"PK\x03\x04" + b"feed" * 100
LOOPBACK = AddressPolicy(allow_loopback=True)


@pytest.mark.parametrize(("address", "words"), [
    ("169.254.169.254", "cloud metadata"),
    ("100.100.100.200", "cloud metadata"),
    ("fd00:ec2::254", "cloud metadata"),
    ("169.254.10.1", "link-local"),
    ("fe80::1", "link-local"),
    ("::ffff:169.254.169.254", "cloud metadata"),
    ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"),
])
def test_metadata_link_local_and_odd_addresses_are_refused_whatever_is_allowed(address: str, words: str) -> None:
    everything = AddressPolicy(allow_loopback=True, allow_private=True)
    assert words in (everything.refusal(address) or "")


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.8.8", "::1", "::ffff:127.0.0.1"])
def test_loopback_only_when_the_region_allows_it(address: str) -> None:
    assert "loopback" in (AddressPolicy().refusal(address) or "")
    assert AddressPolicy(allow_loopback=True).refusal(address) is None


@pytest.mark.parametrize("address", ["10.1.2.3", "172.16.0.9", "192.168.1.1", "fd12::1", "100.64.0.1"])
def test_private_only_when_the_region_allows_it(address: str) -> None:
    assert "private" in (AddressPolicy(allow_loopback=True).refusal(address) or "")
    assert AddressPolicy(allow_private=True).refusal(address) is None


def test_public_addresses_are_allowed() -> None:
    assert AddressPolicy().refusal("203.0.114.7") is None
    assert AddressPolicy().refusal("2a00:1450:4007::1") is None


def test_the_name_is_judged_by_what_it_resolves_to(resolver: FakeResolver) -> None:
    with pytest.raises(AddressRefused, match="169.254.169.254 is a cloud metadata address"):
        resolve_allowed("metadata.example", 80, LOOPBACK, resolver)
    assert resolve_allowed("feeds.example", 80, LOOPBACK, resolver)[0][4][0] == "127.0.0.1"


def test_loopback_is_refused_by_default_and_nothing_is_sent(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/feed.zip").respond_with_data(BODY)
    with HttpFeedClient(retries=2) as client, pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest(httpserver.url_for("/feed.zip")), tmp_path / "feed.zip")
    assert "loopback address" in failed.value.cause and failed.value.attempts == 1
    assert httpserver.log == [] and not (tmp_path / "feed.zip").exists()


@pytest.mark.parametrize(("target", "words"), [
    ("http://metadata.example/latest/meta-data/", "cloud metadata address"),
    ("http://mapped.example/", "cloud metadata address"),
    ("http://intranet.example/feed.zip", "private address"),
    ("http://169.254.169.254/latest/", "cloud metadata address"),
])
def test_a_redirect_to_a_refused_address_fails_at_once(
    httpserver: HTTPServer, tmp_path: Path, resolver: FakeResolver, sleeps: Sleeps, target: str, words: str
) -> None:
    httpserver.expect_request("/feed.zip").respond_with_data("", status=302, headers={"Location": target})
    client = HttpFeedClient(retries=3, policy=LOOPBACK, resolver=resolver, sleep=sleeps)
    with client, pytest.raises(FetchError) as failed:
        client.fetch(FetchRequest(httpserver.url_for("/feed.zip")), tmp_path / "feed.zip")
    assert words in failed.value.cause
    assert failed.value.attempts == 1 and sleeps == []  # a refusal is not retried
    assert not (tmp_path / "feed.zip").exists()


def test_the_connection_goes_to_the_checked_address_with_the_host_name_kept(
    httpserver: HTTPServer, tmp_path: Path, resolver: FakeResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No second lookup happens behind the check (DNS rebinding): the system resolver is never
    asked, and the server still sees the host name in Host."""
    def no_lookup(*args: object, **kwargs: object) -> None:
        raise AssertionError("a lookup bypassed the address check")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)
    httpserver.expect_request("/feed.zip").respond_with_data(BODY)
    url = f"http://feeds.example:{httpserver.port}/feed.zip"
    with HttpFeedClient(retries=0, policy=LOOPBACK, resolver=resolver) as client:
        response = client.fetch(FetchRequest(url), tmp_path / "feed.zip")
    assert response.status == 200 and response.url == url
    assert resolver.lookups == ["feeds.example"]
    assert httpserver.log[0][0].headers["Host"] == f"feeds.example:{httpserver.port}"


def test_every_hop_is_checked_after_resolution(httpserver: HTTPServer, tmp_path: Path, resolver: FakeResolver) -> None:
    httpserver.expect_request("/old.zip").respond_with_data(
        "", status=301, headers={"Location": f"http://feeds.example:{httpserver.port}/feed.zip"})
    httpserver.expect_request("/feed.zip").respond_with_data(BODY)
    with HttpFeedClient(retries=0, policy=LOOPBACK, resolver=resolver) as client:
        response = client.fetch(FetchRequest(httpserver.url_for("/old.zip")), tmp_path / "feed.zip")
    assert response.url == f"http://feeds.example:{httpserver.port}/feed.zip"  # the final URL
    assert "feeds.example" in resolver.lookups


def test_file_urls_read_only_under_the_configured_folders(tmp_path: Path) -> None:
    allowed, elsewhere = tmp_path / "feeds", tmp_path / "secret"
    allowed.mkdir()
    elsewhere.mkdir()
    (allowed / "feed.zip").write_bytes(BODY)
    (elsewhere / "key.pem").write_bytes(b"private")
    (allowed / "link.zip").symlink_to(elsewhere / "key.pem")
    with HttpFeedClient(retries=0, file_roots=[allowed]) as client:
        assert client.fetch(FetchRequest((allowed / "feed.zip").as_uri()), tmp_path / "a").status == 200
        for url in [(elsewhere / "key.pem").as_uri(), (allowed / "link.zip").as_uri(),
                    (allowed / ".." / "secret" / "key.pem").as_uri()]:
            with pytest.raises(FetchError, match="file_roots"):
                client.fetch(FetchRequest(url), tmp_path / "b")
    with HttpFeedClient(retries=0) as client, pytest.raises(FetchError, match="none configured"):
        client.fetch(FetchRequest((allowed / "feed.zip").as_uri()), tmp_path / "c")


def test_tls_keeps_the_host_name_while_connecting_to_the_checked_address(
    tmp_path: Path, resolver: FakeResolver
) -> None:
    """The certificate is verified for feeds.example (SNI and hostname check) although the socket
    goes to the address the policy checked."""
    import ssl
    import subprocess

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=feeds.example", "-addext", "subjectAltName=DNS:feeds.example",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with HTTPServer(ssl_context=context) as server:
        server.expect_request("/feed.zip").respond_with_data(BODY)
        with HttpFeedClient(retries=0, policy=LOOPBACK, resolver=resolver) as client:
            client._session.verify = str(cert)  # trust the test's own certificate authority
            response = client.fetch(FetchRequest(f"https://feeds.example:{server.port}/feed.zip"), tmp_path / "a")
            assert response.status == 200 and response.sha256
            with pytest.raises(FetchError, match="TLS error"):  # the name is checked, not the address
                client.fetch(FetchRequest(f"https://localhost:{server.port}/feed.zip"), tmp_path / "b")
