"""The front's query workers: forked with the store loaded, one request each, replaced at need.

Every worker is forked from the front, which holds the loaded store and keeps it in step with
the update log (`before_fork`), so a replacement starts in milliseconds from that snapshot
instead of replaying the log. A request goes to an idle worker only; past its deadline the
worker is killed and the client gets a 503 (pyoxigraph cannot be cancelled, and killing the
process frees its CPU and memory at once). A worker past its memory ceiling says so and ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import marshal
import os
import signal
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .query_worker import FRAME_HEAD, Request, WorkerSettings, WSGIApp, frame, run_worker

log = logging.getLogger(__name__)

Reply = tuple[str, list[tuple[str, str]], bytes]
REAP_INTERVAL = 0.5


class WorkerLost(Exception):
    """The worker ended without a reply: past its deadline, its memory ceiling, or crashed."""

    def __init__(self, reason: str, detail: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class ChannelProtocol(asyncio.Protocol):
    """The front's end of one worker's channel: framed replies resolve the pending future."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.pending: asyncio.Future[Reply] | None = None
        self.closed = False

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= FRAME_HEAD.size:
            (size,) = FRAME_HEAD.unpack_from(self.buffer)
            if len(self.buffer) < FRAME_HEAD.size + size:
                return
            message = marshal.loads(bytes(self.buffer[FRAME_HEAD.size : FRAME_HEAD.size + size]))
            del self.buffer[: FRAME_HEAD.size + size]
            self._resolve(message)

    def _resolve(self, message: tuple) -> None:
        pending, self.pending = self.pending, None
        if pending is None or pending.done():
            return
        if message[0] == "memory":
            pending.set_exception(WorkerLost("memory", message[1]))
        else:
            pending.set_result((message[1], message[2], message[3]))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        pending, self.pending = self.pending, None
        if pending is not None and not pending.done():
            pending.set_exception(WorkerLost("crashed"))


@dataclass(eq=False)
class Worker:
    pid: int
    transport: asyncio.Transport
    channel: ChannelProtocol


@dataclass
class WorkerPool:
    """N workers forked from this process; `run` hands a request to an idle one."""

    app: WSGIApp
    settings: WorkerSettings
    size: int
    deadline: float
    before_fork: Callable[[], None]
    inherited_fds: Callable[[], list[int]]  # the front's sockets, closed in each new worker
    idle: deque[Worker] = field(default_factory=deque)
    waiting: deque[asyncio.Future[Worker]] = field(default_factory=deque)
    workers: set[Worker] = field(default_factory=set)

    async def start(self) -> None:
        for _ in range(self.size):
            await self._spawn()
        asyncio.get_running_loop().call_later(REAP_INTERVAL, self._reap)

    async def _spawn(self) -> None:
        """Fork a worker from this process's current state and make it available."""
        self.before_fork()
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            ours.close()
            for fd in [*self.inherited_fds(), *self._channel_fds()]:
                with contextlib.suppress(OSError):
                    os.close(fd)
            run_worker(theirs, self.app, self.settings)
        theirs.close()
        loop = asyncio.get_running_loop()
        transport, channel = await loop.create_unix_connection(ChannelProtocol, sock=ours)
        worker = Worker(pid, transport, channel)  # type: ignore[arg-type]
        self.workers.add(worker)
        self._release(worker)

    def _channel_fds(self) -> list[int]:
        return [worker.transport.get_extra_info("socket").fileno() for worker in self.workers]

    async def run(self, request: Request) -> Reply:
        """The worker's reply; `WorkerLost` if it ended first (then it has been replaced)."""
        worker = await self._acquire()
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        worker.channel.pending = future
        worker.transport.write(frame(request.pack()))
        try:
            reply = await asyncio.wait_for(asyncio.shield(future), self.deadline)
        except TimeoutError:
            self._retire(worker, kill=True)
            raise WorkerLost("timeout", self.deadline) from None
        except WorkerLost:
            self._retire(worker, kill=True)
            raise
        self._release(worker)
        return reply

    async def _acquire(self) -> Worker:
        while self.idle:
            worker = self.idle.popleft()
            if not worker.channel.closed:
                return worker
            self._retire(worker, kill=True)
        waiter: asyncio.Future[Worker] = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        return await waiter

    def _release(self, worker: Worker) -> None:
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self.idle.append(worker)

    def _retire(self, worker: Worker, *, kill: bool) -> None:
        """Drop a worker (killing it if asked) and fork its replacement."""
        if worker not in self.workers:
            return
        self.workers.discard(worker)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        worker.transport.close()
        started = time.monotonic()
        task = asyncio.get_running_loop().create_task(self._spawn())
        task.add_done_callback(lambda done: _log_spawn(done, started))

    def _reap(self) -> None:
        """Collect ended workers, and replace any that ended on their own while idle."""
        with contextlib.suppress(ChildProcessError):
            while True:
                pid, _status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
        for worker in [worker for worker in self.idle if worker.channel.closed]:
            self.idle.remove(worker)
            self._retire(worker, kill=True)
        asyncio.get_running_loop().call_later(REAP_INTERVAL, self._reap)

    def stop(self) -> None:
        for worker in list(self.workers):
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
            worker.transport.close()
        self.workers.clear()


def _log_spawn(task: asyncio.Task, started: float) -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("could not start a replacement worker: %s", error)
    else:
        log.info("replacement worker ready in %.3f s", time.monotonic() - started)
