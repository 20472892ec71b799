"""Fetching feeds: a client interface with an HTTP implementation and a local-file one, and the
factories that build a client from the region's collection settings."""

from collections.abc import Callable
from functools import partial
from pathlib import Path

from regie.collect.fetch.addresses import AddressPolicy, Resolver, system_resolver
from regie.collect.fetch.base import FeedClient, FetchError, FetchRequest, FetchResponse
from regie.collect.fetch.http import HttpFeedClient
from regie.collect.fetch.local import LocalFeedClient
from regie.config.region import CollectionSettings

FeedClientFactory = Callable[[CollectionSettings], FeedClient]
"""Builds the client a collection uses, from the region's collection settings."""


def http_client(settings: CollectionSettings, *, resolver: Resolver = system_resolver) -> HttpFeedClient:
    """The HTTP(S) client (file:// URLs too) with the region's timeouts, retries, deadline, user
    agent, address policy and file roots. `regie validate URL` uses it too, with
    `CollectionSettings()` (the defaults) when no region is given."""
    return HttpFeedClient(connect_timeout_s=settings.connect_timeout_s, read_timeout_s=settings.read_timeout_s,
                          retries=settings.retries, backoff_s=settings.backoff_s, user_agent=settings.user_agent,
                          deadline_s=settings.download_deadline_s, policy=address_policy(settings),
                          resolver=resolver, file_roots=settings.file_roots)


def address_policy(settings: CollectionSettings) -> AddressPolicy:
    return AddressPolicy(allow_loopback=settings.allow_loopback, allow_private=settings.allow_private)


def _local(root: Path, settings: CollectionSettings) -> LocalFeedClient:
    return LocalFeedClient(root)


def local_client(root: Path) -> FeedClientFactory:
    """A factory of clients that read every URL's path under `root` (offline runs, asset tests)."""
    return partial(_local, root)


__all__ = [
    "AddressPolicy",
    "FeedClient",
    "FeedClientFactory",
    "FetchError",
    "FetchRequest",
    "FetchResponse",
    "HttpFeedClient",
    "LocalFeedClient",
    "address_policy",
    "http_client",
    "local_client",
]
