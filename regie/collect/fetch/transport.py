"""The requests transport of the feed client: every connection resolves its host, checks the
address against the policy and connects to that address (TLS SNI and Host stay the host name);
a deadline watch cuts the connections of a download that runs past its total deadline."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from regie.collect.fetch.addresses import AddressPolicy, Resolver, connect_checked


class DeadlineWatch:
    """Sockets used by the current download; `expire()` shuts them down (from a timer thread).

    It keeps duplicates of their descriptors: http.client lets go of a connection's socket when
    the response reads to the connection's end, and shutting a duplicate down cuts the connection
    all the same. The duplicates are closed when the download ends (`release`).
    """

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.expired = False
        self._lock = threading.Lock()

    def track(self, sock: socket.socket | None) -> None:
        if sock is None or sock.fileno() < 0:
            return
        with self._lock:
            if self.expired:
                raise TimeoutError("the download deadline has passed")
            self.sockets.append(socket.socket(fileno=os.dup(sock.fileno())))

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked on a dripping server

    def release(self) -> None:
        with self._lock:
            for sock in self.sockets:
                sock.close()
            self.sockets.clear()


class Guard:
    """The policy, the resolver and the download in progress on this thread."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver):
        self.policy = policy
        self.resolver = resolver
        self._local = threading.local()

    @property
    def watch(self) -> DeadlineWatch | None:
        return getattr(self._local, "watch", None)

    @contextmanager
    def deadline(self, seconds: float) -> Iterator[DeadlineWatch]:
        """Shut down this download's connections once `seconds` have passed."""
        watch = DeadlineWatch()
        timer = threading.Timer(max(seconds, 0.0), watch.expire)
        timer.daemon = True
        self._local.watch = watch
        timer.start()
        try:
            yield watch
        finally:
            timer.cancel()
            watch.release()
            self._local.watch = None

    def track(self, sock: socket.socket | None) -> None:
        watch = self.watch
        if watch is not None:
            watch.track(sock)


def _guarded(base: type[HTTPConnection], guard: Guard) -> type[HTTPConnection]:
    class GuardedConnection(base):  # type: ignore[valid-type,misc]
        def _new_conn(self) -> socket.socket:
            sock = connect_checked(
                self._dns_host, self.port, timeout=self.timeout, source_address=self.source_address,
                socket_options=self.socket_options, policy=guard.policy, resolver=guard.resolver,
            )
            try:
                guard.track(sock)
            except TimeoutError:
                sock.close()
                raise
            return sock

        def request(self, *args: Any, **kwargs: Any) -> None:
            if self.sock is not None:
                guard.track(self.sock)  # a kept-alive connection serving the next download
            super().request(*args, **kwargs)

    return GuardedConnection


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose pools make guarded connections."""

    def __init__(self, guard: Guard, **kwargs: Any):
        self.guard = guard
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        http_connection = _guarded(HTTPConnection, self.guard)
        https_connection = _guarded(HTTPSConnection, self.guard)

        class Pool(HTTPConnectionPool):
            ConnectionCls = http_connection

        class TLSPool(HTTPSConnectionPool):
            ConnectionCls = https_connection  # type: ignore[assignment]

        self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": TLSPool}
