"""Run a build's units in worker processes, one unit a job, and hand back their outcomes in
unit order, so that what a build reports and writes does not depend on how many jobs ran it.

Workers are forked: they inherit what the parent has parsed once (the ontology and shapes)
instead of each parsing it again, and the parent must hold no open RocksDB store at the fork.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from ..store.memory import available_bytes

# A job's worker and its reasoner's JVM: 0.6 GB at peak on the 48-source project (the whole
# build tree 1.22 GB on two jobs). A JVM may grow to its 2 GB heap on a larger unit: a bound
# for the default, not a guarantee; `--jobs` sets the count.
JOB_BYTES = 1024**3
Shared = TypeVar("Shared")
Outcome = TypeVar("Outcome")


class JobLost(Exception):
    """A worker process ended before it answered: killed, or out of memory."""


_work: tuple[Callable[[Any, int], Any], Any] | None = None  # in a worker process only


def _adopt(run: Callable[[Any, int], Any], shared: object) -> None:
    global _work  # noqa: PLW0603 - a worker's one piece of state, set by its initializer
    _work = (run, shared)


def _run(number: int) -> object:
    assert _work is not None
    run, shared = _work
    return run(shared, number)


def available_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_jobs() -> int:
    """One job a core, as many as the memory available holds (at least one); one a core
    where the memory cannot be read (no /proc)."""
    try:
        room = available_bytes() // JOB_BYTES
    except (OSError, RuntimeError, ValueError):
        return available_cores()
    return max(1, min(available_cores(), room))


def in_order(
    run: Callable[[Shared, int], Outcome], shared: Shared, count: int, jobs: int
) -> Iterator[Outcome]:
    """`run(shared, n)` for each n below `count`, in order of n: in this process with one job
    (or one unit), else in up to `jobs` forked workers, which `shared` reaches unpickled.

    An exception in a run is raised here, as it would be in this process; a worker that dies
    raises `JobLost`.
    """
    if jobs <= 1 or count <= 1:
        yield from (run(shared, number) for number in range(count))
        return
    pool = ProcessPoolExecutor(
        min(jobs, count),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_adopt,
        initargs=(run, shared),
    )
    try:
        yield from pool.map(_run, range(count))
    except BrokenProcessPool as error:
        raise JobLost(
            "a worker process ended before it finished its unit (killed, or out of memory?);"
            " try fewer --jobs"
        ) from error
    finally:
        pool.shutdown(cancel_futures=True)
