"""The front's query workers: forked with the store loaded, one request each, replaced at need.

Every worker is forked from the front, which holds the loaded store and keeps it in step with
the update log (`before_fork`), so a replacement starts in milliseconds from that snapshot
instead of replaying the log. A request goes to an idle worker only, with the client's socket,
to which the worker writes the reply (`query_worker.py`). At its deadline the front takes the
worker's claim on the connection and kills it (pyoxigraph cannot be cancelled, and killing the
process frees its CPU and memory at once), and the client gets a 503; a worker that already
holds the claim is writing, and finishes. A worker past its memory ceiling says so and ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import marshal
import multiprocessing
import os
import signal
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .query_worker import FRAME_HEAD, Claim, Request, WorkerSettings, WSGIApp, frame, run_worker

log = logging.getLogger(__name__)

REAP_INTERVAL = 0.5
FORK = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class Sent:
    """The worker wrote the reply (`status` line); `rest` is what the client has yet to take."""

    status: str
    rest: bytes


class WorkerLost(Exception):
    """The worker ended without a reply: past its deadline, its memory ceiling, or crashed.

    `wrote` says whether it may have written part of a reply, so nothing more can follow on
    that connection.
    """

    def __init__(self, reason: str, detail: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.wrote = False


Outcome = Sent | WorkerLost | None  # None: the client left before a worker was free


@dataclass(eq=False)
class Job:
    """A request on its way through a worker; `done` hears how it ended, exactly once."""

    request: Request
    client: Callable[[], int]  # the client's socket, or -1 once it has gone
    done: Callable[[Outcome], None]
    timer: asyncio.TimerHandle | None = None


class Channel:
    """The front's end of one worker's Unix socket: requests out with the client's socket
    attached, framed messages in, passed to `heard`; `ended` when the worker has gone."""

    def __init__(
        self, sock: socket.socket, heard: Callable[[tuple], None], ended: Callable[[], None]
    ) -> None:
        self.sock = sock
        self.heard = heard
        self.ended = ended
        self.buffer = bytearray()
        self.closed = False
        sock.setblocking(False)
        asyncio.get_running_loop().add_reader(sock.fileno(), self._readable)

    def send(self, payload: bytes, client: int) -> None:
        """Send now what the socket takes; the client's socket goes with the first byte."""
        try:
            sent = socket.send_fds(self.sock, [payload], [client])
        except BlockingIOError:  # a request this large waits for room, and its socket with it
            asyncio.get_running_loop().create_task(self._send_later(payload, os.dup(client)))
            return
        except OSError:  # the worker has gone: heard as such once this call has returned
            asyncio.get_running_loop().call_soon(self.close)
            return
        if sent < len(payload):
            asyncio.get_running_loop().create_task(self._send_later(payload[sent:], None))

    async def _send_later(self, payload: bytes, client: int | None) -> None:
        loop = asyncio.get_running_loop()
        try:
            if client is not None:
                await self._writable()
                sent = socket.send_fds(self.sock, [payload], [client])
                payload = payload[sent:]
            await loop.sock_sendall(self.sock, payload)
        except OSError:
            self.close()
        finally:
            if client is not None:
                os.close(client)

    async def _writable(self) -> None:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        loop.add_writer(self.sock.fileno(), lambda: ready.done() or ready.set_result(None))
        try:
            await ready
        finally:
            loop.remove_writer(self.sock.fileno())

    def _readable(self) -> None:
        try:
            data = self.sock.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            return
        self.buffer += data
        while len(self.buffer) >= FRAME_HEAD.size and not self.closed:
            (size,) = FRAME_HEAD.unpack_from(self.buffer)
            if len(self.buffer) < FRAME_HEAD.size + size:
                return
            message = marshal.loads(bytes(self.buffer[FRAME_HEAD.size : FRAME_HEAD.size + size]))
            del self.buffer[: FRAME_HEAD.size + size]
            self.heard(message)

    def close(self) -> None:
        """Stop listening: the worker ended, or was retired."""
        if not self.closed:
            self.closed = True
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
            self.sock.close()
            self.ended()


@dataclass(eq=False)
class Worker:
    pid: int
    claim: Claim
    channel: Channel | None = None
    job: Job | None = None


@dataclass
class WorkerPool:
    """N workers forked from this process; `submit` hands a request to an idle one, or queues
    it until one is free. Everything runs in the front's event loop, without tasks: a request
    that finds an idle worker is on its way before `submit` returns."""

    app: WSGIApp
    settings: WorkerSettings
    size: int
    deadline: float
    before_fork: Callable[[], None]
    inherited_fds: Callable[[], list[int]]  # the front's sockets, closed in each new worker
    idle: deque[Worker] = field(default_factory=deque)
    waiting: deque[Job] = field(default_factory=deque)
    workers: set[Worker] = field(default_factory=set)

    async def start(self) -> None:
        for _ in range(self.size):
            self._spawn()
        asyncio.get_running_loop().call_later(REAP_INTERVAL, self._reap)

    def _spawn(self) -> None:
        """Fork a worker from this process's current state and make it available."""
        self.before_fork()
        ours, theirs = socket.socketpair()
        claim = FORK.Lock()
        pid = os.fork()
        if pid == 0:
            ours.close()
            for fd in [*self.inherited_fds(), *self._channel_fds()]:
                with contextlib.suppress(OSError):
                    os.close(fd)
            run_worker(theirs, claim, self.app, self.settings)
        theirs.close()
        worker = Worker(pid, claim)
        worker.channel = Channel(
            ours, lambda message: self._heard(worker, message), lambda: self._ended(worker)
        )
        self.workers.add(worker)
        self._release(worker)

    def _channel_fds(self) -> list[int]:
        return [worker.channel.sock.fileno() for worker in self.workers if worker.channel]

    def submit(
        self, request: Request, client: Callable[[], int], done: Callable[[Outcome], None]
    ) -> None:
        """Have a worker write the reply to `request` on the socket `client()` names; `done`
        hears a `Sent`, a `WorkerLost` (the worker has been replaced), or None (the client
        left while the request waited for a worker)."""
        job = Job(request, client, done)
        if self.idle:  # the worker idle the shortest time: its caches are the warmest
            self._start(job, self.idle.pop())
        else:
            self.waiting.append(job)

    def _start(self, job: Job, worker: Worker) -> None:
        fd = job.client()
        if fd < 0:
            self._release(worker)
            job.done(None)
            return
        assert worker.channel is not None
        worker.job = job
        job.timer = asyncio.get_running_loop().call_later(self.deadline, self._overdue, worker, job)
        worker.channel.send(frame(job.request.pack()), fd)

    def _heard(self, worker: Worker, message: tuple) -> None:
        if worker.job is None:  # a memory report after a written reply: it ends, and is reaped
            return
        if message[0] == "memory":
            self._lose(worker, WorkerLost("memory", message[1]))
            return
        job, worker.job = worker.job, None
        self._stop_timer(job)
        self._release(worker)
        job.done(Sent(message[1], message[2]))

    def _overdue(self, worker: Worker, job: Job) -> None:
        """At the deadline, take the connection from the worker unless it is writing already."""
        if worker.job is job and worker.claim.acquire(False):
            self._lose(worker, WorkerLost("timeout", self.deadline), claimed=True)

    def _ended(self, worker: Worker) -> None:
        if worker.job is not None:
            self._lose(worker, WorkerLost("crashed"))
        elif worker in self.idle:
            self.idle.remove(worker)
            self._retire(worker, kill=True)

    def _lose(self, worker: Worker, lost: WorkerLost, claimed: bool = False) -> None:
        """The worker's request ends without its reply; whether some of it may have gone out
        is read from the claim, which the worker holds while it writes."""
        job, worker.job = worker.job, None
        lost.wrote = not claimed and not worker.claim.acquire(False)
        self._retire(worker, kill=True)
        if job is not None:
            self._stop_timer(job)
            job.done(lost)

    @staticmethod
    def _stop_timer(job: Job) -> None:
        if job.timer is not None:
            job.timer.cancel()

    def _release(self, worker: Worker) -> None:
        """An idle worker takes the oldest waiting request, or waits for one."""
        if self.waiting:
            self._start(self.waiting.popleft(), worker)
        else:
            self.idle.append(worker)

    def _retire(self, worker: Worker, *, kill: bool) -> None:
        """Drop a worker (killing it if asked) and fork its replacement."""
        if worker not in self.workers:
            return
        self.workers.discard(worker)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        if worker.channel is not None:
            worker.channel.close()
        started = time.monotonic()
        try:
            self._spawn()
        except OSError as error:
            log.error("could not start a replacement worker: %s", error)
        else:
            log.info("replacement worker ready in %.3f s", time.monotonic() - started)

    def _reap(self) -> None:
        """Collect ended workers (each was replaced when its channel closed)."""
        with contextlib.suppress(ChildProcessError):
            while True:
                pid, _status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
        asyncio.get_running_loop().call_later(REAP_INTERVAL, self._reap)

    def stop(self) -> None:
        for worker in list(self.workers):
            self.workers.discard(worker)
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
            if worker.channel is not None:
                worker.channel.close()
