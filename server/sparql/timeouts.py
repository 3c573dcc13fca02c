"""The query time limit where no front kills an overdue worker: an abandoned helper thread.

Under `alliance-kg serve` the front kills the worker of an overdue request and answers 503
itself (`worker_pool.py`). Without it (the test client, `--dev`) the work runs in a helper
thread that is abandoned at the deadline: the client still gets its 503, but the CPU is not
reclaimed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


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


THREADS = ThreadLimit()
