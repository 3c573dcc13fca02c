"""What a query worker may not do, enforced by the kernel: open network sockets, outgrow memory.

Both engines fetch URLs when a query or update asks them to (`SERVICE`, `LOAD`, `FROM`), and
the query guard can only refuse what it reads the same way as the engine. So the processes that
evaluate queries cannot open an internet socket at all: a seccomp filter, installed in each
worker after the fork, makes `socket()` fail with EACCES for every address family but AF_UNIX
(the worker's channel to the front) and forbids io_uring, which could connect without a
`socket()` call. Sockets the worker inherits are never connected anew. Measured cost: one
filter check per system call, nothing measurable per query (docs/endpoint.md).

Memory: a thread samples the worker's resident size while a request runs; past the ceiling it
calls back (the worker answers and ends), so one query cannot take the machine's memory.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
STATM = Path("/proc/self/statm")


class SandboxUnavailable(RuntimeError):
    """The kernel or libseccomp cannot install the filter: serving would not be safe."""


def forbid_network() -> None:
    """Install the seccomp filter in this process (and every process it starts later)."""
    try:
        import pyseccomp as seccomp  # noqa: PLC0415 - loads libseccomp through ctypes

        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        refuse = seccomp.ERRNO(errno.EACCES)
        rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        rules.add_rule(refuse, "io_uring_setup")
        rules.load()
    except (ImportError, OSError, RuntimeError, ValueError) as error:
        raise SandboxUnavailable(f"cannot forbid network access in a worker: {error}") from error


def check_available() -> None:
    """Refuse to serve where workers could not be sandboxed: install the filter in a child."""
    child = os.fork()
    if child == 0:
        try:
            forbid_network()
        except SandboxUnavailable as error:
            os.write(2, f"{error}\n".encode())
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SandboxUnavailable(
            "the query workers' seccomp filter cannot be installed here (it needs Linux and "
            "libseccomp 2: `apt-get install libseccomp2`), and serving without it could fetch "
            "URLs; see docs/endpoint.md, Safety"
        )


def resident_bytes() -> int:
    """This process's resident set size, from /proc (cheap enough to read every 20 ms)."""
    return int(STATM.read_bytes().split()[1]) * PAGE_BYTES


def total_memory_bytes() -> int:
    """The machine's memory, for the default ceiling."""
    return os.sysconf("SC_PHYS_PAGES") * PAGE_BYTES


class MemoryCeiling:
    """Watches resident memory while a request runs; calls `exceeded` once past the ceiling.

    A thread reads the size every `poll` seconds, busy or idle: idle readings are the baseline
    (the store the worker holds does not count), so starting and stopping a request costs two
    attribute writes, not a read of /proc and a thread wake-up each.
    """

    def __init__(
        self, limit_bytes: int, exceeded: Callable[[int], None], poll: float = 0.02
    ) -> None:
        self.limit_bytes = limit_bytes
        self.exceeded = exceeded
        self.poll = poll
        self._baseline = resident_bytes()
        self._busy = False
        self._started = 0  # requests begun: an idle reading taken across a start is not kept
        threading.Thread(target=self._watch, name="memory-ceiling", daemon=True).start()

    def start(self) -> None:
        self._started += 1
        self._busy = True

    def stop(self) -> None:
        self._busy = False

    @property
    def running(self) -> bool:
        """A request is running (between `start` and `stop`)."""
        return self._busy

    def _watch(self) -> None:
        while True:
            time.sleep(self.poll)
            started, busy = self._started, self._busy
            current = resident_bytes()
            if not busy:
                if not self._busy and self._started == started:
                    self._baseline = current
            elif current - self._baseline > self.limit_bytes and self._busy:
                self.exceeded(current - self._baseline)
