"""GBFS discovery (item 1) and secrets in URLs (item 3), on loopback servers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from regie.collect.collector import Collector
from regie.collect.fetch import AddressPolicy, HttpFeedClient
from regie.collect.snapshots import SnapshotStore
from regie.config import ConfigError
from regie.config.operators import Registry, load_registry
from regie.config.region import CollectionSettings
from regie.store.archive import Archive
from regie.store.catalogue import Catalogue
from regie.store.catalogue import schema as catalogue_schema
from tests.security.conftest import FakeResolver

SECRET = "s3cr3t-token-value"
ENV = {"FEED_KEY": SECRET, "FEED_PASSWORD": "hunter2-pw"}


def _operator(url: str, kind: str = "gtfs", headers: dict | None = None) -> Registry:
    feed = {"id": "main", "kind": kind, "url": url, **({"headers": headers} if headers else {})}
    return Registry.model_validate({"operators": [{
        "id": "acme", "name": "Acme", "modes": ["bus"], "contact": "data@acme.example", "licence": "CC0-1.0",
        "openness": "open", "member_from": "2024-01-01", "feeds": [feed]}]}, context={"env": ENV})


@pytest.fixture
def collector(tmp_path: Path, resolver: FakeResolver):
    catalogue = Catalogue.open(f"sqlite:///{tmp_path / 'regie.db'}")
    client = HttpFeedClient(retries=0, policy=AddressPolicy(allow_loopback=True), resolver=resolver)
    yield Collector(client=client, catalogue=catalogue, archive=Archive(tmp_path / "archive"),
                    snapshots=SnapshotStore(tmp_path / "snapshots"), settings=CollectionSettings(),
                    clock=lambda: datetime(2026, 3, 1, tzinfo=UTC))
    client.close()
    catalogue.dispose()


def _discovery(feeds: dict[str, str]) -> str:
    return json.dumps({"last_updated": 0, "ttl": 0, "version": "2.3",
                       "data": {"en": {"feeds": [{"name": n, "url": u} for n, u in feeds.items()]}}})


def test_gbfs_secret_headers_go_only_to_the_registered_origin(collector: Collector) -> None:
    with HTTPServer() as home, HTTPServer() as elsewhere:
        home.expect_request("/gbfs.json").respond_with_data(_discovery({
            "system_information": home.url_for("/system_information.json"),
            "station_information": elsewhere.url_for("/station_information.json"),
        }))
        home.expect_request("/system_information.json").respond_with_json({"data": {}})
        elsewhere.expect_request("/station_information.json").respond_with_json({"data": {}})
        registry = _operator(home.url_for("/gbfs.json"), "gbfs", {"X-Api-Key": "${FEED_KEY}"})
        result = collector.collect_operator(registry.operator("acme"))
        assert not result.failures, result.feeds[0].describe()
        assert all(request.headers.get("X-Api-Key") == SECRET for request, _ in home.log)
        assert [request.headers.get("X-Api-Key") for request, _ in elsewhere.log] == [None]


def test_gbfs_discovery_urls_meet_the_address_policy(collector: Collector, tmp_path: Path) -> None:
    with HTTPServer() as home:
        home.expect_request("/gbfs.json").respond_with_data(_discovery({
            "system_information": "http://metadata.example/latest/meta-data/iam/security-credentials/",
        }))
        registry = _operator(home.url_for("/gbfs.json"), "gbfs", {"X-Api-Key": "${FEED_KEY}"})
        result = collector.collect_operator(registry.operator("acme"))
    [failed] = result.failures
    assert "cloud metadata address" in (failed.fetch.error or "")
    assert not list((tmp_path / "snapshots").rglob("*.json"))  # nothing of it is kept


def test_secret_url_parts_are_stored_as_templates_and_never_shown(collector: Collector) -> None:
    with HTTPServer() as server:
        server.expect_request("/gone.zip").respond_with_data("", status=404)
        template = f"http://${{FEED_KEY}}:${{FEED_PASSWORD}}@localhost:{server.port}/gone.zip?key=${{FEED_KEY}}&v=2"
        registry = _operator(template)
        result = collector.collect_operator(registry.operator("acme"))
    [failed] = result.failures
    shown = failed.describe()
    assert SECRET not in shown and "hunter2" not in shown and "key=***" in shown and "HTTP 404" in shown
    with collector.catalogue.engine.connect() as connection:
        stored = [str(value) for row in connection.execute(select(catalogue_schema.fetches)) for value in row]
    assert not any(SECRET in value or "hunter2" in value for value in stored)
    assert failed.fetch.url == template


def test_the_final_url_of_a_redirected_fetch_is_recorded(collector: Collector) -> None:
    zip_bytes = b"PK\x05\x06" + b"\0" * 18  # an empty zip
    with HTTPServer() as server:
        server.expect_request("/old.zip").respond_with_data(
            "", status=302, headers={"Location": f"http://feeds.example:{server.port}/new.zip?key={SECRET}"})
        server.expect_request("/new.zip").respond_with_data(zip_bytes, content_type="application/zip")
        result = collector.collect_operator(_operator(server.url_for("/old.zip") + "?key=${FEED_KEY}").operator("acme"))
    [feed] = result.feeds
    assert not feed.failed, feed.describe()
    assert feed.fetch.final_url == f"http://feeds.example:{server.port}/new.zip?key=***"
    [stored] = collector.catalogue.fetches("acme")
    assert stored.final_url == feed.fetch.final_url


@pytest.mark.parametrize("url", [
    "https://bob:hunter2@feeds.example/gtfs.zip",
    "https://feeds.example/gtfs.zip?api_key=abc123",
    "https://feeds.example/gtfs.zip?token=abc123&x=1",
])
def test_literal_credentials_in_a_registry_url_are_refused(tmp_path: Path, url: str) -> None:
    path = tmp_path / "operators.yaml"
    path.write_text(
        "operators:\n  - id: acme\n    name: Acme\n    modes: [bus]\n    contact: d@acme.example\n"
        "    licence: CC0-1.0\n    openness: open\n    member_from: 2024-01-01\n"
        f"    feeds:\n      - id: main\n        kind: gtfs\n        url: '{url}'\n")
    with pytest.raises(ConfigError) as refused:
        load_registry(path, env={})
    message = str(refused.value)
    assert "operator 'acme'" in message and "in clear" in message and "abc123" not in message


def test_environment_references_in_credentials_are_accepted(tmp_path: Path) -> None:
    registry = _operator("https://${FEED_KEY}:${FEED_PASSWORD}@feeds.example/gtfs.zip?api_key=${FEED_KEY}")
    feed = registry.operator("acme").feeds[0]
    assert SECRET in feed.url and SECRET not in repr(feed) and SECRET not in feed.shown_url
    assert feed.recorded_url == "https://${FEED_KEY}:${FEED_PASSWORD}@feeds.example/gtfs.zip?api_key=${FEED_KEY}"
