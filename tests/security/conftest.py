"""Shared stand-ins for the security tests: a fake resolver maps made-up host names to addresses,
so redirects to "other hosts", metadata or private addresses are judged without leaving loopback."""

from __future__ import annotations

import socket
from collections.abc import Sequence

import pytest

from regie.collect.fetch.addresses import AddressInfo


class FakeResolver:
    """name -> IP literal, or -> a socket.gaierror errno; counts every lookup."""

    def __init__(self, table: dict[str, str | int]):
        self.table = table
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[AddressInfo]:
        self.lookups.append(host)
        answer = self.table.get(host, host)  # IP literals resolve to themselves
        if isinstance(answer, int):
            raise socket.gaierror(answer, "fake resolver failure")
        family = socket.AF_INET6 if ":" in answer else socket.AF_INET
        address = (answer, port, 0, 0) if family == socket.AF_INET6 else (answer, port)
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)]


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def resolver() -> FakeResolver:
    return FakeResolver({
        "localhost": "127.0.0.1",
        "feeds.example": "127.0.0.1",
        "metadata.example": "169.254.169.254",
        "intranet.example": "10.1.2.3",
        "mapped.example": "::ffff:169.254.169.254",
        "gone.example": socket.EAI_NONAME,
        "flaky.example": socket.EAI_AGAIN,
    })


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
