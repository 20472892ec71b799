"""Fetching feeds: a client interface with an HTTP implementation and a local-file one."""

from regie.fetch.base import FeedClient, FetchError, FetchRequest, FetchResponse
from regie.fetch.http import HttpFeedClient
from regie.fetch.local import LocalFeedClient

__all__ = [
    "FeedClient",
    "FetchError",
    "FetchRequest",
    "FetchResponse",
    "HttpFeedClient",
    "LocalFeedClient",
]
