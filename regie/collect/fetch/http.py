"""Fetch feeds over HTTP(S) with `requests`: timeouts, bounded retries, conditional GET, size cap."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator, Sequence
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from urllib.parse import urlparse

import requests
import urllib3.exceptions

from regie.collect.fetch.addresses import (
    AddressPolicy,
    AddressRefused,
    NameLookupFailed,
    NameNotFound,
    Resolver,
    system_resolver,
)
from regie.collect.fetch.base import FeedClient, FetchError, FetchRequest, FetchResponse, write_capped
from regie.collect.fetch.local import LocalFeedClient
from regie.collect.fetch.transport import Guard, GuardedAdapter

CHUNK_BYTES = 1 << 16

# Headers kept when a redirect leaves the original host; the rest (API keys) are dropped.
_CROSS_HOST_SAFE_HEADERS = frozenset(
    {"user-agent", "accept", "accept-encoding", "connection", "if-none-match", "if-modified-since"}
)


class _Retryable(Exception):
    """A failure worth another attempt: connection trouble, timeout, truncated body, 5xx."""

    def __init__(self, cause: str, status: int | None = None):
        super().__init__(cause)
        self.cause = cause
        self.status = status


class _Session(requests.Session):
    """A session that drops custom headers (API keys) when a redirect leaves the original host.

    requests already strips Authorization there; feed APIs often use their own header instead.
    """

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        super().rebuild_auth(prepared_request, response)
        if self.should_strip_auth(response.request.url, prepared_request.url):
            for name in list(prepared_request.headers):
                if name.lower() not in _CROSS_HOST_SAFE_HEADERS:
                    del prepared_request.headers[name]


class HttpFeedClient(FeedClient):
    """The real feed client. `file://` URLs go to a LocalFeedClient, so one client serves all.

    Every connection is checked against `policy` after name resolution (redirects included) and
    made to the checked address; a download (all its attempts) ends at `deadline_s`. A host name
    that does not exist fails at once, a resolver failure is retried once; connection errors,
    timeouts, truncated bodies and 5xx get `retries`. `file_roots`: the folders file:// URLs may
    read (None: any, for the CLI's own files; empty: none)."""

    def __init__(
        self,
        *,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 60.0,
        retries: int = 3,
        backoff_s: float = 1.0,
        user_agent: str = "Regie/0.1",
        deadline_s: float = 300.0,
        policy: AddressPolicy | None = None,
        resolver: Resolver = system_resolver,
        file_roots: Sequence[Path] | None = (),
        sleep: Callable[[float], None] = time.sleep,
    ):
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.deadline_s = deadline_s
        self.policy = policy or AddressPolicy()
        self._sleep = sleep
        self._guard = Guard(self.policy, resolver)
        self._session = _Session()
        self._session.trust_env = False  # no proxy from the environment: the policy judges the real peer
        adapter = GuardedAdapter(self._guard)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = user_agent
        self._local = LocalFeedClient(allowed_roots=file_roots)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> HttpFeedClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def fetch(self, request: FetchRequest, dest: Path) -> FetchResponse:
        shown = request.shown_url
        try:
            scheme = urlparse(request.url).scheme.lower()
        except ValueError as exc:
            raise FetchError(shown, f"invalid URL: {exc}") from exc
        if scheme == "file":
            return self._local.fetch(request, dest)
        if scheme not in ("http", "https"):
            raise FetchError(shown, f"unsupported URL scheme {scheme!r}")
        total = self.retries + 1
        failure = _Retryable("no attempt made")
        ends_at = time.monotonic() + self.deadline_s
        lookups_failed = 0
        attempt = 0
        while attempt < total:
            if attempt:
                pause = self.backoff_s * 2 ** (attempt - 1)
                if time.monotonic() + pause >= ends_at:
                    break
                self._sleep(pause)
            attempt += 1
            try:
                return self._attempt(request, dest, attempt, ends_at)
            except _Retryable as exc:
                failure = exc
            except NameLookupFailed as exc:
                lookups_failed += 1
                failure = _Retryable(str(exc))
                if lookups_failed > 1:
                    total = attempt  # a failing resolver gets one more try, not the full retries
            except FetchError as exc:
                raise FetchError(exc.url, exc.cause, status=exc.status, attempts=attempt) from exc
        raise FetchError(shown, _final_cause(failure, attempt), status=failure.status, attempts=attempt)

    def _headers(self, request: FetchRequest) -> dict[str, str]:
        headers = dict(request.headers)
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        return headers

    def _attempt(self, request: FetchRequest, dest: Path, attempt: int, ends_at: float) -> FetchResponse:
        url, shown = request.url, request.shown_url
        remaining = ends_at - time.monotonic()
        if remaining <= 0:
            raise FetchError(shown, self._past_deadline())
        try:
            with self._guard.deadline(remaining) as watch:
                try:
                    with self._session.get(
                        url,
                        headers=self._headers(request),
                        timeout=(min(self.connect_timeout_s, remaining), self.read_timeout_s),
                        stream=True,
                    ) as resp:
                        response = self._handle(request, resp, dest, attempt)
                except (_Retryable, requests.exceptions.RequestException, urllib3.exceptions.HTTPError,
                        OSError) as exc:
                    if watch.expired:
                        raise FetchError(shown, self._past_deadline()) from exc
                    raise
                if watch.expired:  # the cut connection looked like the end of the body
                    dest.unlink(missing_ok=True)
                    raise FetchError(shown, self._past_deadline())
                return response
        except requests.exceptions.SSLError as exc:
            raise FetchError(shown, f"TLS error: {_innermost(exc)}") from exc
        except requests.exceptions.TooManyRedirects as exc:
            raise FetchError(shown, f"too many redirects (more than {self._session.max_redirects})") from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                requests.exceptions.MissingSchema) as exc:
            raise FetchError(shown, f"invalid URL: {request.redact(str(exc))}") from exc
        except requests.exceptions.InvalidHeader as exc:
            raise FetchError(shown, f"invalid request header: {exc}") from exc
        except (AddressRefused, NameNotFound) as exc:
            raise FetchError(shown, str(exc)) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError) as exc:
            raise _Retryable(self._describe(exc, url)) from exc

    def _past_deadline(self) -> str:
        return f"download not finished within its deadline of {self.deadline_s:g} s"

    def _handle(self, request: FetchRequest, resp: requests.Response, dest: Path, attempt: int) -> FetchResponse:
        status = resp.status_code
        etag = resp.headers.get("ETag")
        last_modified = resp.headers.get("Last-Modified")
        if status == 304:
            return FetchResponse(
                url=resp.url, status=304, path=None, etag=etag or request.etag,
                last_modified=last_modified or request.last_modified, attempts=attempt,
            )
        if status >= 500:
            raise _Retryable(_status_text(status, resp.reason), status=status)
        if not 200 <= status < 300:
            raise FetchError(request.shown_url, _status_text(status, resp.reason), status=status, attempts=attempt)

        length = _content_length(resp)
        encoded = resp.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity")
        if length is not None and not encoded and length > request.max_bytes:
            raise FetchError(
                request.shown_url, f"body larger than the size cap of {request.max_bytes} bytes "
                f"(Content-Length {length})", status=status, attempts=attempt,
            )
        received = [0]  # decoded bytes so far, for the message when the body breaks off
        try:
            size, sha256 = write_capped(_body(resp, received), dest, request.max_bytes, request.shown_url)
        except (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError) as exc:
            # Content-Length counts the bytes on the wire (before decoding), as does raw.tell().
            got = resp.raw.tell() if length is not None else received[0]
            raise _Retryable(_truncated(got, length), status=status) from exc
        except requests.exceptions.ContentDecodingError as exc:
            cause = f"could not decode the {resp.headers.get('Content-Encoding')} body: {_innermost(exc)}"
            raise FetchError(request.shown_url, cause, status=status, attempts=attempt) from exc
        if length is not None and not encoded and size != length:
            dest.unlink(missing_ok=True)
            raise _Retryable(_truncated(size, length), status=status)
        return FetchResponse(
            url=resp.url, status=status, path=dest, size_bytes=size, sha256=sha256, etag=etag,
            last_modified=last_modified, content_type=_media_type(resp.headers.get("Content-Type")),
            attempts=attempt,
        )

    def _describe(self, exc: BaseException, url: str) -> str:
        """A plain-language cause for a connection-level failure."""
        chain = list(_exception_chain(exc))

        def has(*kinds: type[BaseException]) -> bool:
            return any(isinstance(e, kinds) for e in chain)

        if has(ConnectionRefusedError):
            return "connection refused"
        if has(urllib3.exceptions.NameResolutionError, socket.gaierror):
            return f"could not resolve the host name {urlparse(_request_url(exc) or url).hostname!r}"
        # urllib3's NewConnectionError subclasses ConnectTimeoutError: only a socket timeout counts.
        if has(requests.exceptions.ConnectTimeout) or (
            has(urllib3.exceptions.ConnectTimeoutError) and has(TimeoutError)
        ):
            return f"connect timed out after {self.connect_timeout_s:g} s"
        if has(requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError, TimeoutError):
            return f"read timed out after {self.read_timeout_s:g} s"
        if has(ConnectionResetError):
            return "connection reset by the server"
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return "body truncated: the connection broke mid-body"
        return f"connection failed: {_innermost(exc)}"


def _body(resp: requests.Response, received: list[int]) -> Iterator[bytes]:
    """The decoded body (gzip/deflate undone), counting its bytes into received[0]."""
    for chunk in resp.iter_content(CHUNK_BYTES):
        if chunk:
            received[0] += len(chunk)
            yield chunk


def _content_length(resp: requests.Response) -> int | None:
    if "chunked" in resp.headers.get("Transfer-Encoding", "").lower():
        return None
    try:
        length = int(resp.headers["Content-Length"])
    except (KeyError, ValueError):
        return None
    return length if length >= 0 else None


def _media_type(content_type: str | None) -> str | None:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type or None


def _status_text(status: int, reason: str | None) -> str:
    """'HTTP 404 Not Found': the standard phrase when there is one, else the server's reason."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = (reason or "").strip()
    return f"HTTP {status} {phrase}".rstrip()


def _truncated(got: int, expected: int | None) -> str:
    if expected is None:
        return f"body truncated: the connection closed after {got} bytes"
    return f"body truncated: got {got} of {expected} bytes"


def _final_cause(failure: _Retryable, attempts: int) -> str:
    if attempts == 1:
        return failure.cause
    if failure.cause.startswith("HTTP "):
        return f"{failure.cause} after {attempts} attempts"
    return f"{failure.cause} ({attempts} attempts)"


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """exc and everything it wraps: causes, contexts, urllib3 `reason`s, exceptions in args."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        todo.extend(e for e in linked if isinstance(e, BaseException))


def _innermost(exc: BaseException) -> str:
    """The most specific message: follow urllib3 `reason`s, wrapped args and causes to the end."""
    current, seen = exc, {id(exc)}
    while True:
        wrapped = [getattr(current, "reason", None), *current.args, current.__cause__]
        inner = next((e for e in wrapped if isinstance(e, BaseException) and id(e) not in seen), None)
        if inner is None:
            return str(current) or type(current).__name__
        seen.add(id(inner))
        current = inner


def _request_url(exc: BaseException) -> str:
    request = getattr(exc, "request", None)
    return getattr(request, "url", "") or ""
