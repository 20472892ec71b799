"""Which network addresses a fetch may connect to, judged after name resolution.

The policy is checked on the address a host name resolves to, on every hop (redirects too), and
the connection is then made to that very address: a name that resolves to a public address when
checked cannot make us connect to another one (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance metadata services, refused whatever the policy allows (most are link-local anyway).
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
    "169.254.170.2",  # AWS ECS task metadata
    "169.254.169.123",  # AWS time sync
    "100.100.100.200",  # Alibaba Cloud
    "fd00:ec2::254",  # AWS over IPv6
    "fd00:ec2::23",
))

AddressInfo = tuple[Any, ...]
Resolver = Callable[[str, int], Sequence[AddressInfo]]
"""(host, port) -> getaddrinfo-style tuples (family, type, proto, canonname, sockaddr)."""


def system_resolver(host: str, port: int) -> Sequence[AddressInfo]:
    return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)


class AddressRefused(Exception):
    """The host resolves only to addresses the policy refuses (never retried)."""


class NameNotFound(Exception):
    """The host name does not exist (EAI_NONAME): never retried."""


class NameLookupFailed(Exception):
    """The resolver failed for now (EAI_AGAIN and the like): retried at most once."""


@dataclass(frozen=True)
class AddressPolicy:
    """Link-local, metadata, multicast, unspecified and reserved addresses are always refused;
    loopback and private (RFC 1918, unique-local, shared CGNAT) ones only when allowed."""

    allow_loopback: bool = False
    allow_private: bool = False

    def refusal(self, address: str) -> str | None:
        """Why `address` (an IP literal) may not be contacted, or None when it may."""
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip in METADATA_ADDRESSES:
            return "a cloud metadata address"
        if ip.is_link_local:
            return "a link-local address"
        if ip.is_loopback:
            return None if self.allow_loopback else "a loopback address (the region does not allow loopback)"
        if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
            return "an unspecified, multicast or reserved address"
        if ip.is_private or ip in _SHARED:
            return None if self.allow_private else "a private address (the region does not allow private addresses)"
        if not ip.is_global:
            return "a non-global address"
        return None


_SHARED = ipaddress.ip_network("100.64.0.0/10")


def resolve_allowed(host: str, port: int, policy: AddressPolicy, resolver: Resolver) -> list[AddressInfo]:
    """The resolved addresses of `host` the policy allows, in resolver order.

    Raises NameNotFound, NameLookupFailed or AddressRefused (naming the host and address)."""
    try:
        infos = list(resolver(host, port))
    except socket.gaierror as exc:
        if exc.errno in _NO_SUCH_NAME:
            raise NameNotFound(f"the host name {host!r} does not exist (name resolution: {exc.strerror})") from exc
        raise NameLookupFailed(f"could not resolve the host name {host!r} ({exc.strerror or exc})") from exc
    allowed, refused = [], []
    for info in infos:
        address = str(info[4][0])
        reason = policy.refusal(address)
        if reason is None:
            allowed.append(info)
        else:
            refused.append(f"{address} is {reason}")
    if not allowed:
        detail = "; ".join(dict.fromkeys(refused)) or "no address"
        raise AddressRefused(f"refused to connect to {host!r}: {detail}")
    return allowed


_NO_SUCH_NAME = frozenset(
    code for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None)) if code is not None
)


def connect_checked(
    host: str, port: int, *, timeout: float | None, source_address: tuple[str, int] | None,
    socket_options: Sequence[tuple[int, int, int | bytes]] | None, policy: AddressPolicy, resolver: Resolver,
) -> socket.socket:
    """Resolve, check, and connect to the first allowed address that answers."""
    last: OSError | None = None
    for family, kind, proto, _name, sockaddr in resolve_allowed(host, port, policy, resolver):
        sock = socket.socket(family, kind, proto)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            last = exc
            sock.close()
    assert last is not None
    raise last
