"""A guard that fails any attempt to reach a host other than 127.0.0.1.

The EDGAR client's default base URLs are the SEC's; a test that forgets to point it at the
fake server must fail loudly, not send a request. The guard patches name resolution and
socket connects for the duration of a ``with`` block and records every refused attempt, so a
test fails even when the code under test swallows the error.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ALLOWED_HOSTS = frozenset({"127.0.0.1"})


class OutboundConnectionBlocked(RuntimeError):
    """A test tried to reach a host other than 127.0.0.1."""


@contextmanager
def loopback_only() -> Iterator[list[str]]:
    """Refuse connections and lookups outside 127.0.0.1; yields the refused attempts."""
    refused: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo, real_create = socket.getaddrinfo, socket.create_connection

    def check(address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, bytes):
            host = host.decode()
        if host not in ALLOWED_HOSTS and not (isinstance(host, str) and host.startswith("/")):
            refused.append(str(host))
            raise OutboundConnectionBlocked(f"test tried to reach {host!r}; only 127.0.0.1")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        check((host,))
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        check(address)
        return real_create(address, *args, **kwargs)

    patched = {"connect": connect, "connect_ex": connect_ex}
    originals = {"connect": real_connect, "connect_ex": real_connect_ex}
    for name, function in patched.items():
        setattr(socket.socket, name, function)
    socket.getaddrinfo, socket.create_connection = getaddrinfo, create_connection
    try:
        yield refused
    finally:
        for name, function in originals.items():
            setattr(socket.socket, name, function)
        socket.getaddrinfo, socket.create_connection = real_getaddrinfo, real_create
    if refused:
        raise OutboundConnectionBlocked(f"outbound connection attempts: {sorted(set(refused))}")
