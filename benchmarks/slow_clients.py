"""Probe latency of the served essay build while slow and idle clients hold connections.

The endpoint runs as `alliance-kg serve` does (`serve_wsgi`: the front and its query workers)
on loopback. A probe client sends an example query (a new connection each time) at an even pace
for `--duration` seconds, first with no other load (the baseline), then while an attacker
process holds, in turn:
  (a) 50 connections each with a partial request (request line and headers, never finished),
  (b) 200 idle connections (connected, sending nothing),
  (c) 50 connections sending a request one byte a second,
each connection reopened as soon as the server answers or closes it (after its read timeout).
Printed per scenario: probes sent and answered, p50 and p99 latency, and p99 over the baseline
p99. The target (issue): every probe answered, p99 under 100 ms.

    PYTHONPATH=. .venv/bin/python benchmarks/slow_clients.py [--duration 20] [--probes 200]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import math
import multiprocessing
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from urllib.parse import quote

from alliance_kg.config import SETTINGS_BY_NAME
from alliance_kg.pipeline.build import build_project, current_build
from alliance_kg.project import Project
from alliance_kg.query_files import read_query
from tests.endpoint_support import free_port

HERE = Path(__file__).resolve()
SOLUTIONS_TYPE = "application/sparql-results+json"
PROBE_TIMEOUT = 5.0
TARGET_P99_MS = 100.0
SETTLE_SECONDS = 1.0


@dataclass(frozen=True)
class Scenario:
    """What each attacking connection sends: `opening` at once, then `drip` a byte a second."""

    name: str
    connections: int
    opening: bytes = b""
    drip: bytes = b""


def scenarios(path: str) -> list[Scenario]:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {SOLUTIONS_TYPE}\r\n\r\n"
    partial = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-client\r\n"
    return [
        Scenario("(a) 50 partial requests", 50, opening=partial.encode()),
        Scenario("(b) 200 idle connections", 200),
        Scenario("(c) 50 at one byte a second", 50, drip=request.encode()),
    ]


# --- the attacker, in a process of its own so that it never delays the probe client --------


class Attack:
    """The connections of one scenario, each reopened when the server answers or closes it."""

    def __init__(self, port: int, scenario: Scenario) -> None:
        self.port = port
        self.scenario = scenario
        self.held: dict[socket.socket, int] = {}  # each connection: bytes of `drip` sent
        self.reopened = 0
        self.refused = 0

    def open_one(self) -> None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=PROBE_TIMEOUT)
            if self.scenario.opening:
                sock.sendall(self.scenario.opening)
        except OSError:
            self.refused += 1
            return
        sock.setblocking(False)
        self.held[sock] = 0

    def reopen_answered(self, timeout: float) -> None:
        """Close each connection the server wrote to or closed, and open another."""
        readable, _, _ = select.select(list(self.held), [], [], timeout)
        for sock in readable:
            with contextlib.suppress(OSError):
                sock.recv(65536)
            self.close_one(sock)
            self.reopened += 1
            self.open_one()

    def drip(self) -> None:
        """One more byte of the request on every connection."""
        for sock, sent in list(self.held.items()):
            if sent >= len(self.scenario.drip):
                continue
            try:
                sock.send(self.scenario.drip[sent : sent + 1])
                self.held[sock] = sent + 1
            except OSError:
                self.close_one(sock)
                self.reopened += 1
                self.open_one()

    def close_one(self, sock: socket.socket) -> None:
        del self.held[sock]
        sock.close()

    def close(self) -> None:
        for sock in list(self.held):
            self.close_one(sock)


def attack(port: int, scenario: Scenario, ready: Event, stop: Event, report: Queue) -> None:
    """Hold the scenario's connections until `stop`; put (held, reopened, refused) on `report`."""
    connections = Attack(port, scenario)
    for _ in range(scenario.connections):
        connections.open_one()
    held = len(connections.held)
    ready.set()
    next_drip = time.monotonic() + 1
    while not stop.is_set():
        connections.reopen_answered(0.1)
        if scenario.drip and time.monotonic() >= next_drip:
            connections.drip()
            next_drip += 1
    connections.close()
    report.put((held, connections.reopened, connections.refused))


# --- the probe client ---------------------------------------------------------------------


def probe(port: int, path: str) -> float | None:
    """Milliseconds for one query on a new connection, or None if it was not answered 200."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
    try:
        connection.request("GET", path, headers={"Accept": SOLUTIONS_TYPE})
        with connection.getresponse() as response:
            response.read()
            if response.status != 200:
                return None
    except OSError:
        return None
    finally:
        connection.close()
    return (time.perf_counter() - started) * 1000


def probe_evenly(port: int, path: str, probes: int, duration: float) -> list[float | None]:
    """`probes` probes, one after another, started at even intervals over `duration` s."""
    interval = duration / probes
    started = time.monotonic()
    found = []
    for number in range(probes):
        found.append(probe(port, path))
        time.sleep(max(0.0, started + (number + 1) * interval - time.monotonic()))
    return found


@dataclass(frozen=True)
class Figures:
    sent: int
    answered: int
    p50: float
    p99: float

    @classmethod
    def of(cls, results: list[float | None]) -> Figures:
        times = [ms for ms in results if ms is not None]
        if not times:
            return cls(len(results), 0, float("nan"), float("nan"))
        return cls(len(results), len(times), statistics.median(times), percentile(times, 0.99))


def under_attack(port: int, path: str, scenario: Scenario, args: argparse.Namespace) -> tuple:
    """Probe figures while an attacker process holds the scenario's connections."""
    context = multiprocessing.get_context("fork")
    ready, stop, report = context.Event(), context.Event(), context.Queue()
    attacker = context.Process(target=attack, args=(port, scenario, ready, stop, report))
    attacker.start()
    try:
        if not ready.wait(60):
            raise RuntimeError(f"{scenario.name}: the attacker could not connect")
        time.sleep(SETTLE_SECONDS)
        figures = Figures.of(probe_evenly(port, path, args.probes, args.duration))
    finally:
        stop.set()
    held, reopened, refused = report.get(timeout=60)
    attacker.join(30)
    return figures, (held, reopened, refused)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


# --- the server: `python -m alliance_kg.serving`, which runs `serve_wsgi` -------------------


@contextlib.contextmanager
def serving(build: Path, port: int, workers: int) -> Iterator[None]:
    """The build served on loopback until the block ends; its output is discarded so that a
    full pipe can never stall the front during a long attack."""
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "build").mkdir()
        (Path(scratch) / "build" / "current").symlink_to(build)
        command = [sys.executable, "-m", "alliance_kg.serving", "--project", scratch]
        command += ["--port", str(port), "--workers", str(workers)]
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            wait_for(port, process)
            yield
        finally:
            process.terminate()
            process.wait(20)


def wait_for(port: int, process: subprocess.Popen, limit: float = 300) -> None:
    started = time.monotonic()
    while probe(port, "/sparql?query=ASK%7B%7D") is None:
        if process.poll() is not None or time.monotonic() - started > limit:
            raise RuntimeError(f"the server did not answer on port {port}")
        time.sleep(0.1)


# --- the run ------------------------------------------------------------------------------


def row(name: str, figures: Figures, baseline: Figures, note: str = "") -> str:
    ratio = figures.p99 / baseline.p99
    met = figures.answered == figures.sent and figures.p99 < TARGET_P99_MS
    line = f"{name:30} {figures.sent:6} {figures.answered:8} {figures.p50:8.2f} {figures.p99:8.2f}"
    return f"{line} {ratio:8.2f}  {'met' if met else 'MISSED':6} {note}"


def measure(port: int, path: str, args: argparse.Namespace) -> None:
    print(f"{'scenario':30} {'probes':>6} {'answered':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'p99/base':>8}  target  attacker: held, reopened, refused", flush=True)  # fmt: skip
    baseline = Figures.of(probe_evenly(port, path, args.probes, args.duration))
    print(row("baseline (no load)", baseline, baseline), flush=True)
    for scenario in scenarios(path):
        figures, (held, reopened, refused) = under_attack(port, path, scenario, args)
        note = f"{held}, {reopened}, {refused}"
        print(row(scenario.name, figures, baseline, note), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", default=str(HERE.parents[1]))
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per scenario")
    parser.add_argument("--probes", type=int, default=200, help="probe queries per scenario")
    parser.add_argument("--query", default="ask-tokyo-senses-betrayal", help="example query")
    parser.add_argument("--workers", type=int, default=SETTINGS_BY_NAME["WORKERS"].default)
    args = parser.parse_args()
    project = Project.locate(args.project)
    build = current_build(project) or build_project(project)
    query = read_query(project.queries_dir / "examples" / f"{args.query}.rq")
    path = "/sparql?query=" + quote(query.text)
    read_timeout = SETTINGS_BY_NAME["REQUEST_READ_TIMEOUT"].default
    print(f"essay build {build.name}; probe {query.name} on a new connection each time; "
          f"{args.probes} probes over {args.duration:g} s per scenario; {args.workers} query "
          f"workers; REQUEST_READ_TIMEOUT {read_timeout:g} s; {os.cpu_count()} CPUs")  # fmt: skip
    port = free_port()
    with serving(build, port, args.workers):
        measure(port, path, args)


if __name__ == "__main__":
    main()
