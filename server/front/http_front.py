"""The HTTP front of `alliance-kg serve`: one asynchronous process that holds every connection.

It reads each request whole (head and body, parsed by llhttp through httptools) within a time
limit, then hands it to an idle query worker (`worker_pool.py`) with the client's socket; the
worker writes what the socket takes at once and the front writes the rest, or a 503 of its
own when the worker passed its deadline or memory ceiling. Replies go out in request order: the
next request goes to a worker only once the client has taken the previous reply. A client that
sends slowly, sends nothing, or never reads costs this process a buffer, never a worker, so
slow or idle clients cannot starve the others; `MAX_CONNECTIONS` bounds how many it holds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus

import httptools

from ..sparql.http_policy import TEXT, common_headers
from ..sparql.timeouts import timeout_message
from .http_reply import Reply, response_bytes
from .query_worker import Request
from .worker_pool import Job, Outcome, Sent, WorkerLost, WorkerPool

log = logging.getLogger(__name__)
access = logging.getLogger("alliance_kg.access")

MAX_PIPELINED = 16
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


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
        self.queue: deque[tuple[Request, Reply | None]] = deque()  # a Reply: the front's own
        self.closing = False
        self.refused = False  # the framing cannot be trusted: read nothing more
        self.continue_owed = False  # a 100 Continue to send once the replies before it are out
        self.drain_timer: asyncio.TimerHandle | None = None  # waiting for the client to read
        self.job: Job | None = None  # the request in flight: waiting for or with a worker
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
        transport.set_write_buffer_limits(high=0)  # type: ignore[attr-defined]
        self._arm(self.limits.keepalive)

    def connection_lost(self, exc: Exception | None) -> None:
        self.front.connections.discard(self)
        self.closing = True
        self._disarm()
        if self.drain_timer is not None:
            self.drain_timer.cancel()
            self.drain_timer = None
        self.queue.clear()
        if self.job is not None:  # still waiting for a worker, it waits no more
            self.front.pool.withdraw(self.job)

    def data_received(self, data: bytes) -> None:
        if self.closing or self.refused:
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
        if expect.lower() == b"100-continue":
            self.continue_owed = True
            if self.job is None and not self.queue:
                self._send_continue()

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
            keep_alive=self.parser.should_keep_alive() and self.limits.keepalive > 0,
        )
        self.continue_owed = False
        self._reset_message()
        self._disarm()
        self._enqueue(request, None)

    # --- answering ------------------------------------------------------------------------
    def _enqueue(self, request: Request, reply: Reply | None) -> None:
        self.queue.append((request, reply))
        if len(self.queue) >= MAX_PIPELINED and self.transport is not None:
            self.transport.pause_reading()
        self._next()

    def _next(self) -> None:
        """Answer queued requests in order, one at a time; a worker writes to the socket only
        once the client has taken every byte written before."""
        while self.queue and self.job is None and self.drain_timer is None:
            if self.closing or self.transport is None:
                self.queue.clear()
                return
            request, reply = self.queue[0]
            if reply is not None:
                self.queue.popleft()
                self._write(request, reply)
                self._logged(request, reply[0], time.monotonic())
            elif self.transport.get_write_buffer_size():
                self.drain_timer = asyncio.get_running_loop().call_later(
                    self.limits.read_timeout, self._not_reading
                )
            else:
                self.queue.popleft()
                self.job = self.front.pool.submit(request, self._client_socket, self._answered)
        if self.queue or self.job is not None or self.closing:
            return
        if self.transport is not None and not self.refused:
            self.transport.resume_reading()
            self._send_continue()
        self._arm(self.limits.read_timeout if self.started else self.limits.keepalive)

    def _client_socket(self) -> int:
        sock = self.transport.get_extra_info("socket") if self.transport else None
        return -1 if self.closing or sock is None else sock.fileno()

    def _answered(self, outcome: Outcome) -> None:
        """The worker wrote its reply (the front writes what the client did not take yet), or
        ended without one: a 503 or 500 of the front's own, unless part of a reply went out."""
        if self.job is None:  # withdrawn with its connection
            return
        request, started, self.job = self.job.request, self.job.submitted, None
        if isinstance(outcome, Sent):
            if outcome.rest and self.transport is not None and not self.transport.is_closing():
                self.transport.write(outcome.rest)
            if not request.keep_alive:
                self._close()
            self._logged(request, outcome.status, started)
        elif isinstance(outcome, WorkerLost):
            if outcome.wrote:  # part of a reply may be out: nothing else can follow it
                self._abort()
            else:
                reply = lost_reply(outcome, request.request_id, self.front)
                self._write(request, reply)
                self._logged(request, reply[0], started)
        self._next()

    def resume_writing(self) -> None:
        """The client took every byte written so far: the next reply may go."""
        if self.drain_timer is not None:
            self.drain_timer.cancel()
            self.drain_timer = None
            self._next()

    def _not_reading(self) -> None:
        log.info("connection closed: the client did not read its reply in time")
        self.drain_timer = None
        self._abort()

    def _logged(self, request: Request, status: str, started: float) -> None:
        if self.limits.access_log:
            _log_access(request, status, started)

    def _write(self, request: Request, reply: Reply) -> None:
        """Write a reply of the front's own."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(response_bytes(request.method, reply, request.keep_alive))
            if not request.keep_alive:
                self._close()

    def _send_continue(self) -> None:
        if self.continue_owed and self.transport is not None and not self.closing:
            self.continue_owed = False
            self.transport.write(CONTINUE)

    def _close(self) -> None:
        """Close once what the front holds is written."""
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    def _abort(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.abort()

    def _refuse(self, status: int, message: str) -> None:
        """Answer a request that cannot be read, after the replies before it, then close: its
        framing is not to be trusted."""
        request_id = os.urandom(6).hex()
        log.info("request %s: refused before reading: %s", request_id, message)
        self.refused = True
        if self.transport is not None:
            self.transport.pause_reading()
        request = Request(request_id, "GET", b"", b"", (), b"", ("", 0), keep_alive=False)
        self._enqueue(request, plain(status, message, request_id, self.limits.cors_origin))

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
        if self.job is not None or self.queue or self.transport is None:
            return
        if self.started and (self.url or self.headers or self.body):
            self._refuse(408, "The request was not sent in time (REQUEST_READ_TIMEOUT).")
            return
        self._close()


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _log_access(request: Request, status: str, started: float) -> None:
    target = request.path + (b"?" + request.query if request.query else b"")
    access.info(
        "%s %s %s %s %.1f ms",
        request.peer[0],
        request.method,
        target.decode("latin-1")[:200],
        status.split(" ", 1)[0],
        (time.monotonic() - started) * 1000,
    )
