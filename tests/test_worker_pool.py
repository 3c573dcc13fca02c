"""Who writes to a client at a worker's deadline: the claim decides, so a 503 never follows part
of a reply (the worker pool without processes: its workers are records, no fork)."""

from __future__ import annotations

import asyncio
import multiprocessing
import socket

import pytest

from alliance_kg.front.query_worker import Request
from alliance_kg.front.worker_pool import (
    Channel,
    Job,
    Outcome,
    Sent,
    Worker,
    WorkerLost,
    WorkerPool,
)

REQUEST = Request("id", "GET", b"/sparql", b"", (), b"", ("127.0.0.1", 1), keep_alive=True)


class Pool(WorkerPool):
    """A pool whose replacements are counted, not forked."""

    replaced = 0

    def _spawn(self) -> None:
        self.replaced += 1
        self.workers.add(Worker(pid=0, claim=multiprocessing.get_context("fork").Lock()))


def running(claim_held_by_worker: bool) -> tuple[Pool, Worker, Job, list[Outcome]]:
    pool = Pool(lambda environ, start: [], None, 1, 30.0, lambda: None, list)  # type: ignore[arg-type]
    ours, theirs = socket.socketpair()
    theirs.close()
    claim = multiprocessing.get_context("fork").Lock()
    if claim_held_by_worker:
        claim.acquire()
    worker = Worker(pid=2**22 + 1, claim=claim)  # no such process: the kill finds nobody
    worker.channel = Channel(ours, lambda message: None, lambda: None)
    heard: list[Outcome] = []
    job = Job(REQUEST, lambda: 0, heard.append)
    worker.job = job
    pool.workers.add(worker)
    return pool, worker, job, heard


@pytest.mark.parametrize("claim_held_by_worker", [False, True])
def test_at_the_deadline_the_front_takes_the_connection_unless_the_worker_writes(
    claim_held_by_worker: bool,
) -> None:
    async def scenario() -> None:
        pool, worker, job, heard = running(claim_held_by_worker)
        pool._overdue(worker, job)
        if claim_held_by_worker:  # it is writing: its reply is awaited, not cut off
            assert heard == [] and worker.job is job and pool.replaced == 0
            pool._heard(worker, ("sent", "200 OK", b""))
            assert heard == [Sent("200 OK", b"")]
            assert worker.claim.acquire(False)  # given back by the front, once it heard "sent"
        else:
            [lost] = heard
            assert isinstance(lost, WorkerLost)
            assert (lost.reason, lost.wrote, pool.replaced) == ("timeout", False, 1)

    asyncio.run(scenario())


@pytest.mark.parametrize("claim_held_by_worker", [False, True])
def test_a_worker_that_dies_while_writing_leaves_nothing_to_follow(
    claim_held_by_worker: bool,
) -> None:
    async def scenario() -> None:
        pool, worker, _job, heard = running(claim_held_by_worker)
        pool._ended(worker)
        [lost] = heard
        assert isinstance(lost, WorkerLost)
        assert (lost.reason, lost.wrote, pool.replaced) == ("crashed", claim_held_by_worker, 1)

    asyncio.run(scenario())


def test_a_freed_worker_skips_any_number_of_requests_whose_clients_left() -> None:
    """Requests queued for clients that have gone are told so, without recursion, and the
    worker goes on to the first live one (or back to idle)."""

    async def scenario() -> None:
        pool, worker, _job, heard = running(True)  # it wrote its reply, holding the claim
        told: list[Outcome] = []
        for _ in range(5000):
            pool.submit(REQUEST, lambda: -1, told.append)
        live: list[Outcome] = []
        waiting = pool.submit(REQUEST, lambda: 0, live.append)
        pool._heard(worker, ("sent", "200 OK", b""))  # the worker is free
        assert heard == [Sent("200 OK", b"")]
        assert told == [None] * 5000
        assert worker.job is waiting and not pool.waiting and not pool.idle

    asyncio.run(scenario())


def test_a_request_withdrawn_with_its_connection_waits_no_more() -> None:
    async def scenario() -> None:
        pool, _worker, _job, _heard = running(False)
        job = pool.submit(REQUEST, lambda: 0, lambda outcome: None)
        assert list(pool.waiting) == [job]
        pool.withdraw(job)
        assert not pool.waiting

    asyncio.run(scenario())


def test_a_channel_closed_while_it_sends_leaves_no_trace_in_the_event_loop() -> None:
    """A large request still being sent when its worker goes: the loop forgets the socket
    before it is closed, so a later socket that gets the same number is not mistaken for it.
    (Checked on the loop's registrations: whether the number is reused at once depends on
    what else the process opens meanwhile.)"""

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()
        client, _other = socket.socketpair()
        channel = Channel(ours, lambda message: None, lambda: None)
        channel.send(b"x" * (8 << 20), client.fileno())  # far more than the socket holds
        assert channel.sending is not None
        number = channel.fd
        channel.close()
        theirs.close()
        assert not loop.remove_writer(number)  # False: nothing was registered any more
        assert not loop.remove_reader(number)
        await asyncio.sleep(0.01)

    asyncio.run(scenario())
