"""The query time limit: a real kill under gunicorn, an abandoned thread elsewhere.

pyoxigraph cannot be cancelled: a COUNT or ORDER BY over a cartesian product blocks inside one
call. Under `alliance-kg serve` every gunicorn worker runs one request at a time
(`gunicorn_worker.py`) in a process forked from a master that already holds the store, so the
cheapest real kill is the worker itself: a watchdog thread in the worker sees the overdue
request, writes a complete 503 response to the client's socket, and ends the process; gunicorn
forks a fresh worker in milliseconds, and the CPU the query held is freed. Earlier, at
`LONG_REQUEST`, it lets the worker close its idle kept-alive connections. The fast path only
stores a deadline under a lock.

Without gunicorn's socket (the test client, `--dev`), the work runs in a helper thread that is
abandoned at the deadline: the client still gets its 503, but the CPU is not reclaimed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
EXIT_TIMEOUT = 70  # os.EX_SOFTWARE; gunicorn halts on 3 and 4, any other code is replaced
LONG_REQUEST = 1.0  # seconds of a query after which `on_long_request` runs


class QueryTimeout(Exception):
    """The request ran past the time limit."""

    def __init__(self, seconds: float) -> None:
        super().__init__(timeout_message(seconds))
        self.seconds = seconds


def timeout_message(seconds: float) -> str:
    return (
        f"Query timed out: it ran longer than the {seconds:g} s limit (QUERY_TIMEOUT) and was "
        "stopped. Narrow it with LIMIT, more specific patterns or fewer joins.\n"
    )


def timeout_response(seconds: float, request_id: str, allow_origin: str) -> bytes:
    """A complete HTTP/1.1 503 response, written straight to the socket by the watchdog."""
    body = timeout_message(seconds).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n"
        f"Access-Control-Allow-Origin: {allow_origin}\r\n"
        f"X-Request-Id: {request_id}\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


@dataclass(slots=True)
class Armed:
    """The request the watchdog guards: its deadline and what its 503 needs."""

    deadline: float
    seconds: float
    sock: socket.socket
    request_id: str
    allow_origin: str
    long_at: float | None  # when `on_long_request` is due; None once it ran


class Watchdog:
    """One per worker process: kills the process when the armed deadline passes.

    `on_long_request`, if set, runs once a query has lasted `LONG_REQUEST` seconds, in the
    watchdog's thread and under its lock, so the request cannot finish meanwhile.
    """

    def __init__(self, poll: float = 0.05) -> None:
        self._lock = threading.Lock()
        self._armed: Armed | None = None
        self._poll = poll
        self._pid = 0
        self.on_long_request: Callable[[], None] | None = None

    def _ensure_thread(self) -> None:
        if self._pid != os.getpid():  # threads do not survive fork: one watchdog per worker
            self._pid = os.getpid()
            threading.Thread(target=self._watch, name="query-watchdog", daemon=True).start()

    def run(
        self,
        work: Callable[[], T],
        seconds: float,
        sock: socket.socket,
        request_id: str,
        allow_origin: str,
    ) -> T:
        """Run `work`; past `seconds`, answer 503 on `sock` and end this worker process."""
        self._ensure_thread()
        now = time.monotonic()
        armed = Armed(now + seconds, seconds, sock, request_id, allow_origin, now + LONG_REQUEST)
        with self._lock:
            self._armed = armed
        try:
            return work()
        finally:
            with self._lock:  # the watchdog holds this lock while it kills: we never get past
                self._armed = None

    def _watch(self) -> None:
        while True:
            time.sleep(self._poll)
            with self._lock:
                armed = self._armed
                if armed is None:
                    continue
                if armed.long_at is not None and time.monotonic() >= armed.long_at:
                    armed.long_at = None
                    self._report_long_request()
                if time.monotonic() >= armed.deadline:
                    self._kill(armed)

    def _report_long_request(self) -> None:
        if self.on_long_request is None:
            return
        try:
            self.on_long_request()
        except Exception:  # the watchdog thread must survive a faulty hook to enforce the limit
            log.exception("on_long_request failed")

    def _kill(self, armed: Armed) -> NoReturn:
        log.warning(
            "request %s: query timed out after %g s; replacing worker %d",
            armed.request_id,
            armed.seconds,
            os.getpid(),
        )
        try:
            armed.sock.sendall(
                timeout_response(armed.seconds, armed.request_id, armed.allow_origin)
            )
            armed.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            log.info("request %s: client gone before the timeout answer", armed.request_id)
        finally:
            os._exit(EXIT_TIMEOUT)


class ThreadLimit:
    """Fallback for servers without a killable worker: wait for a helper thread, or give up."""

    def run(self, work: Callable[[], T], seconds: float) -> T:
        outcome: list[T] = []
        failure: list[BaseException] = []

        def target() -> None:
            try:
                outcome.append(work())
            except BaseException as error:  # handed back to the request thread below
                failure.append(error)

        helper = threading.Thread(target=target, name="query", daemon=True)
        helper.start()
        helper.join(seconds)
        if helper.is_alive():
            raise QueryTimeout(seconds)
        if failure:
            raise failure[0]
        return outcome[0]


WATCHDOG = Watchdog()
THREADS = ThreadLimit()
