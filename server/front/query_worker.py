"""A query worker: a process forked from the front that runs one complete request at a time.

The front (`http_front.py`) reads whole requests from clients and hands each to an idle worker
over a private Unix socket, with the client's socket attached; the worker builds the WSGI
environ, calls the app, and writes the response to the client itself, without waiting: what
the client's socket does not take at once goes back to the front to write, so a slow reader
never holds a worker, and the reply crosses one process boundary instead of two. Before it
writes, the worker takes its claim on the connection, which the front gives back once it has
heard the reply went out; a front that took the claim first (at the deadline) has the worker
killed instead, so a 503 and a reply never mix. The worker runs
sandboxed (`sandbox.py`): no network sockets, and a memory ceiling while a request runs.
"""

from __future__ import annotations

import ctypes
import io
import logging
import marshal
import os
import signal
import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol
from urllib.parse import unquote_to_bytes

from .backend_relay import route_urllib_through
from .http_reply import Reply, response_bytes
from .sandbox import MemoryCeiling, forbid_network

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
FRAME_HEAD = struct.Struct("!I")
EXIT_MEMORY = 71
PR_SET_PDEATHSIG = 1
REQUEST_ID = "alliance_kg.request_id"
DEADLINE_ENFORCED = "alliance_kg.deadline_enforced"  # the front kills this process when overdue
SKIPPED_HEADERS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING"})


@dataclass(frozen=True)
class Request:
    """One complete request as the front read it; what crosses the channel to a worker."""

    request_id: str
    method: str
    path: bytes
    query: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    peer: tuple[str, int]
    keep_alive: bool

    def pack(self) -> bytes:
        fields = (self.request_id, self.method, self.path, self.query, self.headers, self.body)
        return marshal.dumps((*fields, self.peer, self.keep_alive))

    @classmethod
    def unpack(cls, data: bytes) -> Request:
        request_id, method, path, query, headers, body, peer, keep_alive = marshal.loads(data)
        return cls(request_id, method, path, query, tuple(headers), body, tuple(peer), keep_alive)


@dataclass(frozen=True)
class WorkerSettings:
    """What a worker needs besides the app: the server's address and its memory ceiling."""

    server: tuple[str, int]
    memory_limit_bytes: int
    relay: str | None  # the Unix socket that reaches the remote store (BACKEND), if any
    prepare: Callable[[], None]  # run once after the fork, before the sandbox closes


def frame(payload: bytes) -> bytes:
    return FRAME_HEAD.pack(len(payload)) + payload


class Claim(Protocol):
    """Who writes to the client: the worker, or the front at the deadline (a shared lock)."""

    def acquire(self, block: bool = ...) -> bool: ...

    def release(self) -> None: ...


def receive_request(channel: socket.socket) -> tuple[bytes, int] | None:
    """One framed request and the client socket sent with it, or None when the front has gone."""
    head, fds, _flags, _address = socket.recv_fds(channel, FRAME_HEAD.size, 1)
    if not head:
        return None
    if len(fds) != 1:
        raise RuntimeError(f"a request came with {len(fds)} client sockets, not one")
    head = _receive_exactly(channel, FRAME_HEAD.size - len(head), head)
    data = None if head is None else _receive_exactly(channel, FRAME_HEAD.unpack(head)[0])
    if data is None:
        os.close(fds[0])
        return None
    return data, fds[0]


def _receive_exactly(channel: socket.socket, size: int, start: bytes = b"") -> bytes | None:
    data = bytearray(start)
    size += len(start)
    while len(data) < size:
        chunk = channel.recv(min(size - len(data), 1 << 20))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def environ_for(request: Request, server: tuple[str, int]) -> dict[str, Any]:
    """The PEP 3333 environ of a request; client headers never set CGI variables."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(request.path).decode("latin-1"),
        "QUERY_STRING": request.query.decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": request.peer[0],
        "REMOTE_PORT": str(request.peer[1]),
        "CONTENT_LENGTH": str(len(request.body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        REQUEST_ID: request.request_id,
        DEADLINE_ENFORCED: True,
    }
    for raw_name, raw_value in request.headers:
        name = raw_name.decode("latin-1")
        if "_" in name:  # would be read as a dash: dropped, as nginx and gunicorn do
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if key == "HTTP_CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key in SKIPPED_HEADERS:
            continue
        elif key in environ:
            environ[key] += "," + value
        else:
            environ[key] = value
    return environ


def call_app(app: WSGIApp, environ: dict[str, Any]) -> Reply:
    """Run the WSGI app to completion: status, headers and the whole body."""
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return written.append

    chunks = app(environ, start_response)
    try:
        body = b"".join([*written, *chunks])
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return started[0], list(started[1]), body


def fault_reply(request_id: str) -> Reply:
    body = f"Internal server error. Quote request id {request_id} when you report it.\n"
    return (
        "500 Internal Server Error",
        [("Content-Type", "text/plain; charset=utf-8")],
        body.encode(),
    )


def run_worker(
    channel: socket.socket, claim: Claim, app: WSGIApp, settings: WorkerSettings
) -> NoReturn:
    """The worker's whole life: sandbox itself, then answer requests until the front goes."""
    status = 0
    try:
        _become_worker()
        settings.prepare()
        forbid_network()
        if settings.relay is not None:
            route_urllib_through(settings.relay)
        _serve(channel, claim, app, settings)
    except BaseException:
        log.exception("worker %d failed", os.getpid())
        status = 1
    finally:
        logging.shutdown()
        os._exit(status)


def _become_worker() -> None:
    """Die with the front; leave the front's signal handling behind."""
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the front, which stops us
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the front died before the line above
        os._exit(0)


def _serve(channel: socket.socket, claim: Claim, app: WSGIApp, settings: WorkerSettings) -> None:
    sending = threading.Lock()

    def out_of_memory(grown: int) -> None:
        with sending:  # never interleaves with a reply; the lock is never given back
            if not ceiling.running:  # the request ended meanwhile: its reply has gone out
                return
            channel.sendall(frame(marshal.dumps(("memory", grown))))
            os._exit(EXIT_MEMORY)

    ceiling = MemoryCeiling(settings.memory_limit_bytes, out_of_memory)
    while True:
        received = receive_request(channel)
        if received is None:
            return
        data, client = received
        request = Request.unpack(data)
        ceiling.start()
        try:
            reply = call_app(app, environ_for(request, settings.server))
            payload = response_bytes(request.method, reply, request.keep_alive)
        except Exception:
            log.exception("request %s: server fault", request.request_id)
            reply = fault_reply(request.request_id)
            payload = response_bytes(request.method, reply, request.keep_alive)
        finally:
            with sending:
                ceiling.stop()
        with sending:
            if not claim.acquire(False):  # the front took the connection at the deadline
                os._exit(0)
            rest = write_now(client, payload)
            # The claim stays taken: the front gives it back when it reads "sent", so at the
            # deadline it never takes a connection whose reply has gone out.
            channel.sendall(frame(marshal.dumps(("sent", reply[0], rest))))


def write_now(client: int, payload: bytes) -> bytes:
    """Write what the client's socket takes without waiting, close our copy of it, and return
    the rest (nothing when the client has gone)."""
    view = memoryview(payload)
    try:
        while view:
            view = view[os.write(client, view) :]
    except BlockingIOError:
        pass
    except OSError:
        view = view[:0]
    finally:
        os.close(client)
    return bytes(view)
