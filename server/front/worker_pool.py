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
    submitted: float = field(default_factory=time.monotonic)


class Channel:
    """The front's end of one worker's Unix socket: requests out with the client's socket
    attached, framed messages in, passed to `heard`; `ended` when the worker has gone."""

    def __init__(
        self, sock: socket.socket, heard: Callable[[tuple], None], ended: Callable[[], None]
    ) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.heard = heard
        self.ended = ended
        self.buffer = bytearray()
        self.closed = False
        self.sending: asyncio.Task[None] | None = None  # the rest of a large request
        sock.setblocking(False)
        asyncio.get_running_loop().add_reader(self.fd, self._readable)

    def send(self, payload: bytes, client: int) -> None:
        """Send the request with the client's socket attached to its first byte; a rest the
        socket does not take at once follows from a task. An idle worker has read everything
        sent to it, so the first byte always goes; if not, the worker is taken for gone."""
        try:
            sent = socket.send_fds(self.sock, [payload], [client])
        except OSError:  # gone (or, impossibly, full): heard as such once this call returned
            asyncio.get_running_loop().call_soon(self.close)
            return
        if sent < len(payload):
            self.sending = asyncio.get_running_loop().create_task(self._send_rest(payload[sent:]))

    async def _send_rest(self, rest: bytes) -> None:
        try:
            await asyncio.get_running_loop().sock_sendall(self.sock, rest)
        except OSError:
            self.close()
        finally:
            self.sending = None

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
        """Stop listening and sending (the worker ended, or was retired); the event loop
        forgets the descriptor before it is closed, so a new socket may take its number."""
        if not self.closed:
            self.closed = True
            loop = asyncio.get_running_loop()
            loop.remove_reader(self.fd)
            if self.sending is not None:
                loop.remove_writer(self.fd)
                self.sending.cancel()
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
        return [worker.channel.fd for worker in self.workers if worker.channel]

    def submit(
        self, request: Request, client: Callable[[], int], done: Callable[[Outcome], None]
    ) -> Job:
        """Have a worker write the reply to `request` on the socket `client()` names; `done`
        hears a `Sent`, a `WorkerLost` (the worker has been replaced), or None (the client
        left while the request waited for a worker). A connection that closes `withdraw`s it."""
        job = Job(request, client, done)
        fd = client()
        if self.idle and fd >= 0:  # the worker idle the shortest time: its caches are warmest
            self._start(job, self.idle.pop(), fd)
        else:
            self.waiting.append(job)
        return job

    def withdraw(self, job: Job) -> None:
        """Forget a request still waiting for a worker: its client has gone."""
        with contextlib.suppress(ValueError):
            self.waiting.remove(job)

    def _start(self, job: Job, worker: Worker, fd: int) -> None:
        assert worker.channel is not None
        worker.job = job
        job.timer = asyncio.get_running_loop().call_later(self.deadline, self._overdue, worker, job)
        worker.channel.send(frame(job.request.pack()), fd)

    def _heard(self, worker: Worker, message: tuple) -> None:
        if worker.job is None:  # a worker that ended between two requests: reaped
            return
        if message[0] == "memory":
            self._lose(worker, WorkerLost("memory", message[1]))
            return
        job, worker.job = worker.job, None
        self._stop_timer(job)
        worker.claim.release()  # taken by the worker before it wrote; given back here only
        self._release(worker)
        job.done(Sent(message[1], message[2]))

    def _overdue(self, worker: Worker, job: Job) -> None:
        """At the deadline, take the connection from the worker unless it holds the claim: it
        has written, or is writing, and its "sent" is on the way."""
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
        is read from the claim, which the worker takes before it writes."""
        job, worker.job = worker.job, None
        lost.wrote = not claimed and not worker.claim.acquire(False)
        if job is not None:
            self._stop_timer(job)
        self._retire(worker, kill=True)
        if job is not None:
            job.done(lost)

    @staticmethod
    def _stop_timer(job: Job) -> None:
        if job.timer is not None:
            job.timer.cancel()

    def _release(self, worker: Worker) -> None:
        """An idle worker takes the oldest waiting request whose client is still there, or
        waits for one; requests whose clients left are told so after."""
        gone = []
        while self.waiting:
            job = self.waiting.popleft()
            fd = job.client()
            if fd >= 0:
                self._start(job, worker, fd)
                break
            gone.append(job)
        else:
            self.idle.append(worker)
        for job in gone:
            job.done(None)

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
        self._replenish()

    def _replenish(self) -> None:
        """Fork workers until there are `size`; one that cannot be forked now is tried again
        at the next reaping."""
        while len(self.workers) < self.size:
            started = time.monotonic()
            try:
                self._spawn()
            except Exception:
                log.exception("could not start a replacement worker; trying again shortly")
                return
            log.info("replacement worker ready in %.3f s", time.monotonic() - started)

    def _reap(self) -> None:
        """Collect ended workers (each was replaced when its channel closed), and replace any
        whose replacement could not be forked."""
        with contextlib.suppress(ChildProcessError):
            while True:
                pid, _status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
        self._replenish()
        asyncio.get_running_loop().call_later(REAP_INTERVAL, self._reap)

    def stop(self) -> None:
        self.size = 0  # nothing is replaced from now on
        for worker in list(self.workers):
            self.workers.discard(worker)
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
            if worker.channel is not None:
                worker.channel.close()
