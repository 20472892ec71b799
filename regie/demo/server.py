"""A loopback static file server for the demo and the tests (standard library only).

Serves the files under one folder with Content-Type, Content-Length, a strong ETag (sha256 of the
file) and Last-Modified, and answers conditional GETs with 304, like a well-behaved feed host.
No directory listings, nothing outside the folder, no request logging.

    python -m regie.demo.server DIR [--host 127.0.0.1] [--port 8000]
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import mimetypes
import shutil
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

CONTENT_TYPES = {
    ".zip": "application/zip",
    ".json": "application/json",
    ".pb": "application/x-protobuf",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".geojson": "application/geo+json",
}


def content_type(path: Path) -> str:
    """The Content-Type for a file name; application/octet-stream when unknown."""
    known = CONTENT_TYPES.get(path.suffix.lower())
    return known or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def file_etag(path: Path) -> str:
    """A strong ETag: the quoted sha256 of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return f'"{digest.hexdigest()}"'


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], root: Path):
        self.root = root.resolve()
        self._etags: dict[tuple[Path, int, int], str] = {}
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        """Silent for clients that hang up (a capped or timed-out fetch); report real bugs."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def etag(self, path: Path) -> str:
        """The file's ETag, hashed once per (path, mtime, size)."""
        stat = path.stat()
        key = (path, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._etags.get(key)
        if cached is None:
            cached = file_etag(path)
            with self._lock:
                self._etags[key] = cached
        return cached

    def resolve(self, url_path: str) -> Path | None:
        """The file a request path names, or None if missing, a folder, or outside the root."""
        parts = [part for part in unquote(urlsplit(url_path).path).split("/") if part not in ("", ".")]
        if any(part == ".." or "\x00" in part or "\\" in part for part in parts):
            return None
        try:
            path = self.root.joinpath(*parts).resolve()
        except (OSError, ValueError):
            return None
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "RegieDevServer/0.1"

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: no access log on stderr."""

    def _serve(self, *, send_body: bool) -> None:
        path = self.server.resolve(self.path)
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        etag = self.server.etag(path)
        mtime = path.stat().st_mtime
        validators = {"ETag": etag, "Last-Modified": email.utils.formatdate(mtime, usegmt=True)}
        if self._not_modified(etag, mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._send_headers(validators)
            return
        self.send_response(HTTPStatus.OK)
        self._send_headers(
            {"Content-Type": content_type(path), "Content-Length": str(path.stat().st_size), **validators}
        )
        if send_body:
            with open(path, "rb") as stream:
                try:
                    shutil.copyfileobj(stream, self.wfile)
                except ConnectionError:  # the client hung up, e.g. at its size cap
                    self.close_connection = True

    def _send_headers(self, headers: dict[str, str]) -> None:
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _not_modified(self, etag: str, mtime: float) -> bool:
        """If-None-Match wins; If-Modified-Since only counts without it (RFC 9110 13.2.2)."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is None:
            return False
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            return False
        return int(mtime) <= since.timestamp()


class FeedServer:
    """A static file server on a background thread. Port 0 picks a free port."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0):
        self.root = Path(root)
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running")
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # as bound: an AF_INET socket's address names its host as text
        return f"http://{host}:{port}"

    def url(self, relative: str) -> str:
        """The URL of a file given by its path relative to the root."""
        return f"{self.base_url}/{quote(relative.lstrip('/'))}"

    def start(self) -> FeedServer:
        if self._server is not None:
            return self
        if not self.root.is_dir():
            raise NotADirectoryError(f"not a folder: {self.root}")
        self._server = _Server((self.host, self.port), self.root)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"regie-devserver-{self.root.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted (the command-line entry)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextmanager
def serve_directory(root: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[FeedServer]:
    """Serve `root` while the block runs: `with serve_directory(p) as server: server.base_url`."""
    server = FeedServer(root, host, port).start()
    try:
        yield server
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m regie.demo.server", description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, metavar="DIR", help="folder to serve")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        parser.error(f"not a folder: {args.root}")
    server = FeedServer(args.root, args.host, args.port).start()
    print(f"Serving {args.root.resolve()} at {server.base_url} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
