"""The one way out of a sandboxed worker: a relay to the remote store (BACKEND), and no other.

Query workers cannot open network sockets (`sandbox.py`). With a remote backend they still
have to reach the store, so the front listens on a private Unix socket and pipes every
connection made there to the store's address: the only host a worker can reach, whatever URL
a query or a library asks for. In the worker, urllib (and so SPARQLWrapper) is pointed at that
socket with `install_opener`; TLS to an `https` store still runs end to end in the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import socket
import ssl
import urllib.request
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from ..store.remote import endpoint_url

RELAY_CHUNK = 65536


@dataclass(frozen=True)
class BackendAddress:
    host: str
    port: int

    @classmethod
    def of(cls, backend: str) -> BackendAddress:
        """The host and port of a `sparql+http(s)://HOST:PORT/...` BACKEND setting."""
        parts = urlsplit(endpoint_url(backend))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(parts.hostname or "", port)


async def start_relay(path: str, backend: BackendAddress) -> asyncio.Server:
    """Listen on `path` (a Unix socket) and pipe each connection to the backend's address."""

    async def connect(client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        try:
            store, to_store = await asyncio.open_connection(backend.host, backend.port)
        except OSError:
            to_client.close()
            return
        await asyncio.gather(_pipe(client, to_store), _pipe(store, to_client))

    return await asyncio.start_unix_server(connect, path)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(RELAY_CHUNK):
            sink.write(data)
            await sink.drain()
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.close()


class RelayedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection whose socket is the relay, whatever host the URL names."""

    def __init__(self, relay: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.relay = relay

    def connect(self) -> None:
        self.sock = _relay_socket(self.relay, self.timeout)


class RelayedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the store through the relay; the certificate is checked against the URL's host."""

    def __init__(self, relay: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.relay = relay

    def connect(self) -> None:
        plain = _relay_socket(self.relay, self.timeout)
        context = self._context if hasattr(self, "_context") else ssl.create_default_context()
        self.sock = context.wrap_socket(plain, server_hostname=self.host)


def _relay_socket(relay: str, timeout: object) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if isinstance(timeout, int | float):
        sock.settimeout(timeout)
    sock.connect(relay)
    return sock


class RelayedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, relay: str) -> None:
        super().__init__()
        self.relay = relay

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(RelayedHTTPConnection, self.relay), req)


class RelayedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, relay: str) -> None:
        super().__init__()
        self.relay = relay

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(RelayedHTTPSConnection, self.relay), req)


def route_urllib_through(relay: str) -> None:
    """In a worker: every urllib request (SPARQLWrapper's too) goes to the relay."""
    opener = urllib.request.build_opener(RelayedHTTPHandler(relay), RelayedHTTPSHandler(relay))
    urllib.request.install_opener(opener)
