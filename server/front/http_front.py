"""The HTTP front of `alliance-kg serve`: one asynchronous process that holds every connection.

It reads each request whole (head and body, parsed by llhttp through httptools) within a time
limit, then hands it to an idle query worker (`worker_pool.py`); it writes the worker's reply,
or a 503 when the worker passed its deadline or memory ceiling. A client that sends slowly,
sends nothing, or never reads costs this process a buffer, never a worker, so slow or idle
clients cannot starve the others; `MAX_CONNECTIONS` bounds how many it holds at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus

import httptools

from ..sparql.http_policy import TEXT, common_headers
from ..sparql.timeouts import timeout_message
from .query_worker import Request
from .worker_pool import Reply, WorkerLost, WorkerPool

log = logging.getLogger(__name__)
access = logging.getLogger("alliance_kg.access")

HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"content-length"})
NO_BODY = ("1", "204", "304")
MAX_PIPELINED = 16


@dataclass(frozen=True)
class Limits:
    """How long and how much a client may take, from the settings of docs/endpoint.md."""

    read_timeout: float  # seconds to send one whole request, from its first byte
    keepalive: float  # seconds an idle connection stays open
    max_request_bytes: int  # body, and the request target
    max_head_bytes: int
    max_connections: int
    cors_origin: str
    access_log: bool


class Front:
    """What every connection shares: the pool, the limits, the open connections."""

    def __init__(self, pool: WorkerPool, limits: Limits) -> None:
        self.pool = pool
        self.limits = limits
        self.connections: set[Connection] = set()
        self._date = (0, "")

    def http_date(self) -> str:
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, formatdate(now, usegmt=True))
        return self._date[1]

    def socket_fds(self) -> list[int]:
        found = []
        for connection in self.connections:
            sock = connection.transport.get_extra_info("socket") if connection.transport else None
            if sock is not None:
                found.append(sock.fileno())
        return found


def plain(status: int, message: str, request_id: str, origin: str) -> Reply:
    """A text/plain answer written by the front itself."""
    line = f"{status} {HTTPStatus(status).phrase}"
    headers = [("Content-Type", TEXT), *common_headers(request_id, origin, "GET", False)]
    return line, headers, message.rstrip("\n").encode() + b"\n"


def lost_reply(lost: WorkerLost, request_id: str, front: Front) -> Reply:
    origin = front.limits.cors_origin
    if lost.reason == "timeout":
        log.warning("request %s: timed out after %g s; worker replaced", request_id, lost.detail)
        return plain(503, timeout_message(lost.detail), request_id, origin)
    if lost.reason == "memory":
        limit = front.pool.settings.memory_limit_bytes // (1024 * 1024)
        log.warning(
            "request %s: past the %d MiB memory ceiling; worker replaced", request_id, limit
        )
        message = (
            f"Query stopped: it needed more than the {limit} MiB of memory a query may use "
            "(QUERY_MEMORY_LIMIT). Narrow it with LIMIT, more specific patterns or fewer joins."
        )
        return plain(503, message, request_id, origin)
    log.error("request %s: the worker ended without answering; replaced", request_id)
    message = f"Internal server error. Quote request id {request_id} when you report it."
    return plain(500, message, request_id, origin)


class Connection(asyncio.Protocol):
    """One client connection: parse, queue complete requests, answer them in order."""

    def __init__(self, front: Front) -> None:
        self.front = front
        self.limits = front.limits
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.queue: deque[tuple[Request, bool]] = deque()
        self.busy = False
        self.closing = False
        self.timer: asyncio.TimerHandle | None = None
        self._reset_message()

    def _reset_message(self) -> None:
        self.url = bytearray()
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_bytes = 0
        self.body = bytearray()
        self.started = False

    # --- connection events ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if len(self.front.connections) >= self.limits.max_connections:
            log.warning(
                "connection refused: MAX_CONNECTIONS (%d) open", len(self.front.connections)
            )
            transport.abort()  # type: ignore[attr-defined]
            return
        self.front.connections.add(self)
        self._arm(self.limits.keepalive)

    def connection_lost(self, exc: Exception | None) -> None:
        self.front.connections.discard(self)
        self.closing = True
        self._disarm()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        if not self.started:
            self.started = True
            self._arm(self.limits.read_timeout)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(400, "Protocol upgrades are not supported.")
        except httptools.HttpParserError as error:  # also wraps a callback's `_Refusal`
            refusal = error.__context__ if isinstance(error.__context__, _Refusal) else None
            if refusal is not None:
                self._refuse(refusal.status, refusal.message)
            else:
                self._refuse(400, f"Malformed HTTP request: {error}.")

    # --- parser callbacks -----------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._reset_message()
        self.started = True

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > self.limits.max_request_bytes:
            raise _Refusal(414, "The request target is larger than MAX_REQUEST_BYTES.")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_bytes += len(name) + len(value) + 4
        if self.head_bytes > self.limits.max_head_bytes:
            raise _Refusal(431, "The request headers are too large.")
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        length = next((v for n, v in self.headers if n.lower() == b"content-length"), b"0")
        if length.isdigit() and int(length) > self.limits.max_request_bytes:
            raise _Refusal(413, "The request body is larger than MAX_REQUEST_BYTES.")
        expect = next((v for n, v in self.headers if n.lower() == b"expect"), b"")
        if expect.lower() == b"100-continue" and self.transport is not None:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self.body += body
        if len(self.body) > self.limits.max_request_bytes:
            raise _Refusal(413, "The request body is larger than MAX_REQUEST_BYTES.")

    def on_message_complete(self) -> None:
        url = httptools.parse_url(bytes(self.url))
        sock = self.transport.get_extra_info("peername") if self.transport else None
        request = Request(
            request_id=os.urandom(6).hex(),
            method=self.parser.get_method().decode("latin-1"),
            path=url.path or b"/",
            query=url.query or b"",
            headers=tuple(self.headers),
            body=bytes(self.body),
            peer=(str(sock[0]), int(sock[1])) if sock else ("", 0),
        )
        self.queue.append((request, self.parser.should_keep_alive()))
        self._reset_message()
        self._disarm()
        if len(self.queue) >= MAX_PIPELINED and self.transport is not None:
            self.transport.pause_reading()
        if not self.busy:
            self.busy = True
            asyncio.get_running_loop().create_task(self._answer_queue())

    # --- answering ------------------------------------------------------------------------
    async def _answer_queue(self) -> None:
        try:
            while self.queue and not self.closing:
                request, keep_alive = self.queue.popleft()
                started = time.monotonic()
                try:
                    reply = await self.front.pool.run(request)
                except WorkerLost as lost:
                    reply = lost_reply(lost, request.request_id, self.front)
                self._write(request, reply, keep_alive)
                if self.front.limits.access_log:
                    _log_access(request, reply, started)
                if self.transport is not None and not self.closing:
                    self.transport.resume_reading()
        finally:
            self.busy = False
            if not self.closing and not self.queue:
                self._arm(self.limits.read_timeout if self.started else self.limits.keepalive)

    def _write(self, request: Request, reply: Reply, keep_alive: bool) -> None:
        status, headers, body = reply
        keep_alive = keep_alive and self.limits.keepalive > 0
        lines = [f"HTTP/1.1 {status}".encode("latin-1")]
        declared = None
        for name, value in headers:
            lowered = name.lower().encode("latin-1")
            if lowered == b"content-length":
                declared = value
            if lowered not in HOP_BY_HOP:
                lines.append(f"{name}: {value}".encode("latin-1"))
        if not status.startswith(NO_BODY):
            length = declared if request.method == "HEAD" and declared else str(len(body))
            lines.append(b"Content-Length: " + length.encode())
        lines.append(b"Date: " + self.front.http_date().encode())
        lines.append(b"Connection: keep-alive" if keep_alive else b"Connection: close")
        payload = b"\r\n".join(lines) + b"\r\n\r\n"
        if request.method != "HEAD" and not status.startswith(NO_BODY):
            payload += body
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(payload)
        if not keep_alive:
            self.closing = True
            self.transport.close()

    def _refuse(self, status: int, message: str) -> None:
        """Answer a request that cannot be read, then close: its framing is not to be trusted."""
        request_id = os.urandom(6).hex()
        log.info("request %s: refused before reading: %s", request_id, message)
        reply = plain(status, message, request_id, self.limits.cors_origin)
        self.queue.clear()
        self._write(Request(request_id, "GET", b"", b"", (), b"", ("", 0)), reply, False)

    # --- timers ---------------------------------------------------------------------------
    def _arm(self, seconds: float) -> None:
        self._disarm()
        self.timer = asyncio.get_running_loop().call_later(seconds, self._expire)

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _expire(self) -> None:
        """Idle too long, or a request not sent in time: the connection goes."""
        if self.busy or self.transport is None:
            return
        if self.started and (self.url or self.headers or self.body):
            self._refuse(408, "The request was not sent in time (REQUEST_READ_TIMEOUT).")
            return
        self.closing = True
        self.transport.close()


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _log_access(request: Request, reply: Reply, started: float) -> None:
    target = request.path + (b"?" + request.query if request.query else b"")
    access.info(
        "%s %s %s %s %.1f ms",
        request.peer[0],
        request.method,
        target.decode("latin-1")[:200],
        reply[0].split(" ", 1)[0],
        (time.monotonic() - started) * 1000,
    )
