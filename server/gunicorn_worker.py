"""The gunicorn worker `alliance-kg serve` runs: kept-alive connections, one request at a time.

gunicorn's sync worker closes every connection, so each request pays for a new TCP connection.
Its gthread worker keeps connections alive in an event loop, but hands every request to a
thread pool and back, which takes back much of the gain, and keeps taking connections while
its thread is busy. This worker is gthread's event loop running each request itself. That keeps
the sync worker's contract, which the time limit (`timeouts.py`) relies on: one request at a
time, no new connection taken while one runs, no heartbeat to the master while one runs (so
gunicorn's `timeout` still ends the worker if the watchdog failed), and the app is told
`wsgi.multithread = False` (gthread always says True), so `run_limited` arms the watchdog.
A kept-alive client waiting on a busy worker is the one new case: once a query has run
`LONG_REQUEST` seconds, the watchdog closes the worker's idle connections, so their clients
reconnect to an idle worker.

A plain GET on a kept-alive connection is read and answered by `lean_http.py`, which hands
anything unusual back to gunicorn's own parser unread.
"""

from __future__ import annotations

import contextlib
import socket
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

from .lean_http import lean_handler
from .timeouts import WATCHDOG


class OneRequestWorker(ThreadWorker):
    """gthread's event loop and keep-alive, with each request run in the loop's own thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ready: deque[TConn] = deque()
        self.serving = False
        self.lean: Callable[[TConn], bool | None] | None = None

    def init_process(self) -> None:
        WATCHDOG.on_long_request = self.release_idle_connections
        self.lean = lean_handler(self)
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        app = self.wsgi

        def one_thread(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
            environ["wsgi.multithread"] = False
            return app(environ, start_response)

        self.wsgi = one_thread

    def handle(self, conn: TConn) -> Any:
        """The lean path for a request on an open HTTP/1 connection, else gunicorn's."""
        if self.lean is not None and conn.initialized and not conn.is_http2:
            answered = self.lean(conn)
            if answered is not None:
                return answered
        return super().handle(conn)

    def enqueue_req(self, conn: TConn) -> None:
        """Serve the connection's request now; a pipelined next one waits in `ready`."""
        self.ready.append(conn)
        if self.serving:  # called back from finish_request: no recursion per pipelined request
            return
        self.serving = True
        try:
            while self.ready:
                conn = self.ready.popleft()
                done: Future = Future()
                try:
                    done.set_result(self.handle(conn))
                except Exception as error:  # gthread's pool would hand it to finish_request too
                    done.set_exception(error)
                self.finish_request(conn, done)
        finally:
            self.serving = False

    def release_idle_connections(self) -> None:
        """Close kept-alive connections with no request waiting (called by the watchdog).

        It runs while this worker's only request thread is held in the watchdog, so the loop
        cannot touch the connections meanwhile; it sees the shutdown later and closes them.
        """
        for conn in list(self.keepalived_conns):
            with contextlib.suppress(OSError):  # a connection already gone needs nothing
                if not has_bytes_waiting(conn.sock):
                    conn.sock.shutdown(socket.SHUT_RDWR)


def has_bytes_waiting(sock: socket.socket) -> bool:
    """Whether a request (or the client's close) waits on a non-blocking socket."""
    try:
        sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    return True
