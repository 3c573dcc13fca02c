"""Measure the SPARQL endpoint over HTTP against its baselines, in one run.

For each example query (`queries/examples/*.rq`): median and p95 latency of sequential requests
on loopback over one kept-alive connection (as browsers and HTTP client sessions reuse theirs),
and throughput with 8 concurrent kept-alive clients (wrk) over 10 s, for
  - the endpoint as `alliance-kg serve` runs it (the front and its query workers),
  - the same engine behind the same front and workers as a bare WSGI function (no checks),
  - Virtuoso 7.2 loaded with the same export (`--virtuoso`, if `virtuoso-t` is installed),
and the bare engine in-process (query + serialisation). Then the same on a synthetic dataset
of about a million triples (`alliance_kg.pipeline.synthetic`). Figures are printed with ratios.

    PYTHONPATH=. .venv/bin/python benchmarks/endpoint.py [--duration 10] [--virtuoso]
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote

import pyoxigraph as ox

from alliance_kg.config import defaults
from alliance_kg.pipeline.build import build_project, current_build
from alliance_kg.pipeline.synthetic import essays_for, write_dataset
from alliance_kg.project import Project
from alliance_kg.query_files import QueryFile, read_query
from alliance_kg.serving import serve_wsgi
from alliance_kg.store.build_files import DATASET_FILE
from alliance_kg.store.embedded import Store
from tests.virtuoso_support import running_virtuoso

HERE = Path(__file__).resolve()
SOLUTIONS_TYPE = "application/sparql-results+json"
GRAPH_TYPE = "text/turtle"


def accept_for(query: QueryFile) -> str:
    body = re.sub(r"(?m)^\s*(#.*|PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*$", "", query.text)
    graph = re.match(r"\s*(CONSTRUCT|DESCRIBE)\b", body, re.IGNORECASE)
    return GRAPH_TYPE if graph else SOLUTIONS_TYPE


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


# --- the bare baseline: the same engine, front and workers, a plain WSGI function ---------


def bare_wsgi(store: Store) -> Callable:
    """Parse `query`, run it on the union default graph, write JSON or Turtle. Nothing else."""

    def application(environ: dict, start_response: Callable) -> list[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""))["query"][0]
        result = store.query(query)
        if isinstance(result, ox.QueryTriples):
            body, media_type = result.serialize(format=ox.RdfFormat.TURTLE), GRAPH_TYPE
        else:
            body, media_type = result.serialize(format=ox.QueryResultsFormat.JSON), SOLUTIONS_TYPE
        headers = [("Content-Type", media_type), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [body]

    return application


def serve_bare(build: str, port: int, workers: int) -> None:
    store = Store.open(Path(build))
    serve_wsgi(bare_wsgi(store), defaults() | {"PORT": port, "WORKERS": workers}, store)


# --- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, path: str, limit: float = 900) -> None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        with contextlib.suppress(OSError):
            status, _ = http_get(port, path, SOLUTIONS_TYPE)
            if status == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"no answer on port {port} after {limit} s")


@contextlib.contextmanager
def running(command: list[str], port: int) -> Iterator[int]:
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_for(port, "/sparql?query=" + quote("ASK { ?s ?p ?o }"))
        yield port
    finally:
        process.terminate()
        process.wait(20)


def endpoint_command(project: Path, port: int, workers: int) -> list[str]:
    served = [sys.executable, "-m", "alliance_kg.serving", "--project", str(project)]
    return [*served, "--port", str(port), "--workers", str(workers)]


def bare_command(build: Path, port: int, workers: int) -> list[str]:
    return [sys.executable, str(HERE), "--serve-bare", str(build), str(port), str(workers)]


# --- Virtuoso 7.2, private instance on free loopback ports (tests/virtuoso_support.py) ---


@contextlib.contextmanager
def virtuoso(dataset: Path) -> Iterator[int]:
    """Virtuoso bulk-loaded with the N-Quads export; yields its HTTP port."""
    started = time.monotonic()
    with running_virtuoso(dataset, buffers=170_000) as instance:
        print(f"  (Virtuoso started and loaded in {time.monotonic() - started:.1f} s)", flush=True)
        yield instance.http_port


# --- clients ----------------------------------------------------------------------------


class KeptAliveClient:
    """A minimal HTTP/1.1 client on one kept-alive connection, reopened if the server closes it.

    Browsers and HTTP client sessions (requests, httpx) reuse their connections too. Minimal so
    that the figures are the servers': Python's http.client adds about 0.2 ms a request here.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: socket.socket | None = None

    def get(self, path: str, accept: str) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = socket.create_connection(("127.0.0.1", self.port), timeout=60)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAccept: {accept}\r\n\r\n"
        self.connection.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += self._receive()
        head, _, body = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if length is None:
            raise RuntimeError(f"no Content-Length: {head[:300]!r}")
        while len(body) < int(length.group(1)):
            body += self._receive()
        if re.search(rb"(?im)^connection:\s*close", head):
            self.close()
        return int(head[9:12]), body

    def _receive(self) -> bytes:
        assert self.connection is not None
        chunk = self.connection.recv(65536)
        if not chunk:
            self.close()
            raise ConnectionError("the server closed the connection mid-response")
        return chunk

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def http_get(port: int, path: str, accept: str) -> tuple[int, bytes]:
    """One request on a connection of its own."""
    client = KeptAliveClient(port)
    try:
        return client.get(path, accept)
    finally:
        client.close()


def latency_samples(port: int, path: str, accept: str, requests: int) -> list[float]:
    """Sequential requests over one kept-alive connection."""
    client = KeptAliveClient(port)
    try:
        client.get(path, accept)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            status, data = client.get(path, accept)
            times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"{status} for {path[:80]}: {data[:300]!r}")
        return times
    finally:
        client.close()


def throughput(port: int, path: str, accept: str, clients: int, duration: float) -> float:
    """Requests per second with `clients` concurrent connections, by wrk."""
    command = ["wrk", f"-t{min(2, clients)}", f"-c{clients}", f"-d{max(1, round(duration))}s"]
    command += ["-H", f"Accept: {accept}", f"http://127.0.0.1:{port}{path}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk saw errors for {path[:80]}:\n{output}")
    return float(re.search(r"Requests/sec:\s*([\d.]+)", output).group(1))


def engine_ms(store: Store, query: QueryFile, requests: int) -> tuple[float, float]:
    def run() -> None:
        result = store.query(query.text)
        if isinstance(result, ox.QueryTriples):
            result.serialize(format=ox.RdfFormat.TURTLE)
        else:
            result.serialize(format=ox.QueryResultsFormat.JSON)

    run()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), percentile(times, 0.95)


# --- one dataset ------------------------------------------------------------------------


def measure_query(ports: dict[str, int], query: QueryFile, args: argparse.Namespace) -> dict:
    """One query on every server, in interleaved rounds, so load from elsewhere hits all alike.

    Each round takes 1/rounds of the latency samples and of the throughput time per server.
    """
    path = "/sparql?query=" + quote(query.text)
    accept = accept_for(query)
    times: dict[str, list[float]] = {name: [] for name in ports}
    rates: dict[str, list[float]] = {name: [] for name in ports}
    for _ in range(args.rounds):
        for name, port in ports.items():
            times[name] += latency_samples(port, path, accept, args.requests // args.rounds)
            seconds = args.duration / args.rounds
            rates[name].append(throughput(port, path, accept, args.clients, seconds))
    found = {
        name: {
            "median": statistics.median(times[name]),
            "p95": percentile(times[name], 0.95),
            "qps": statistics.fmean(rates[name]),
        }
        for name in ports
    }
    shown = "  ".join(
        f"{n} {f['median']:.2f}/{f['p95']:.2f} ms {f['qps']:.0f} q/s" for n, f in found.items()
    )
    print(f"  {query.name}: {shown}", flush=True)
    return found


def endpoint_project(scratch: Path, build: Path) -> Path:
    (scratch / "build").mkdir()
    (scratch / "build" / "current").symlink_to(build)
    return scratch


def measure_dataset(label: str, build: Path, queries: list[QueryFile], args: argparse.Namespace):
    print(f"\n## {label}: {build}", flush=True)
    store = Store.open(build)
    print(f"{sum(store.graphs.values()):,} quads; bare engine in-process (query + serialisation)")
    engine = {q.name: engine_ms(store, q, args.requests) for q in queries}
    del store
    with contextlib.ExitStack() as stack:
        project = endpoint_project(Path(stack.enter_context(tempfile.TemporaryDirectory())), build)
        ports = {"endpoint": free_port(), "bare": free_port()}
        stack.enter_context(
            running(endpoint_command(project, ports["endpoint"], args.workers), ports["endpoint"])
        )
        stack.enter_context(
            running(bare_command(build, ports["bare"], args.workers), ports["bare"])
        )
        if args.virtuoso and label == "essay":
            ports["virtuoso"] = stack.enter_context(virtuoso(build / DATASET_FILE))
        print(
            f"servers: {', '.join(ports)}; per query: median/p95 latency, {args.clients}-client q/s"
        )
        measured = {query.name: measure_query(ports, query, args) for query in queries}
    figures: dict[str, dict] = {"engine": engine}
    for name in ports:
        figures[name] = {query: found[name] for query, found in measured.items()}
    report(label, queries, figures)
    return figures


def geomean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def report(label: str, queries: list[QueryFile], figures: dict) -> None:
    endpoint, bare, engine = figures["endpoint"], figures["bare"], figures["engine"]
    peer = figures.get("virtuoso")
    print(f"\n### {label}: endpoint figures and ratios (same run)")
    head = f"{'query':40} {'engine ms':>9} {'HTTP med':>8} {'p95':>7} {'q/s':>7} {'bare q/s':>8}"
    head += f" {'vs bare':>7}" + (f" {'virt q/s':>8} {'vs virt':>7}" if peer else "")
    print(head)
    for query in queries:
        name = query.name
        line = f"{name:40} {engine[name][0]:9.3f} {endpoint[name]['median']:8.2f}"
        line += f" {endpoint[name]['p95']:7.2f} {endpoint[name]['qps']:7.0f}"
        line += f" {bare[name]['qps']:8.0f} {endpoint[name]['qps'] / bare[name]['qps']:7.2f}"
        if peer:
            line += f" {peer[name]['qps']:8.0f} {endpoint[name]['qps'] / peer[name]['qps']:7.2f}"
        print(line)
    names = [q.name for q in queries]
    medians = [endpoint[n]["median"] for n in names]
    bare_median = statistics.median([bare[n]["median"] for n in names])
    print(f"HTTP median latency: median over queries {statistics.median(medians):.2f} ms, max "
          f"{max(medians):.2f} ms; bare WSGI {bare_median:.2f} ms")  # fmt: skip
    print(f"throughput endpoint / bare WSGI: geometric mean "
          f"{geomean([endpoint[n]['qps'] / bare[n]['qps'] for n in names]):.2f}, min "
          f"{min(endpoint[n]['qps'] / bare[n]['qps'] for n in names):.2f}")  # fmt: skip
    if peer:
        print(f"throughput endpoint / Virtuoso: geometric mean "
              f"{geomean([endpoint[n]['qps'] / peer[n]['qps'] for n in names]):.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", default=str(HERE.parents[1]))
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of wrk per query")
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per query")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved slices per query")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--triples", type=int, default=1_000_000, help="synthetic dataset size")
    parser.add_argument("--virtuoso", action="store_true", help="compare with Virtuoso 7.2")
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--skip-essay", action="store_true")
    parser.add_argument("--only", help="regular expression on query names")
    parser.add_argument("--serve-bare", nargs=3, metavar=("BUILD", "PORT", "WORKERS"))
    args = parser.parse_args()
    if args.serve_bare:
        build, port, workers = args.serve_bare
        serve_bare(build, int(port), int(workers))
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for the throughput figures: apt-get install wrk")
    project = Project.locate(args.project)
    build = current_build(project) or build_project(project)
    queries = [read_query(path) for path in project.example_queries()]
    if args.only:
        queries = [q for q in queries if re.search(args.only, q.name)]
    print(f"{len(queries)} example queries; {args.clients} clients x {args.duration:g} s; "
          f"{args.workers} query workers; {os.cpu_count()} CPUs")  # fmt: skip
    if not args.skip_essay:
        measure_dataset("essay", build, queries, args)
    if not args.skip_synthetic:
        with tempfile.TemporaryDirectory() as scratch:
            large = write_dataset(
                build, Path(scratch) / "synthetic", essays_for(args.triples, build)
            )
            measure_dataset("synthetic", large, queries, args)


if __name__ == "__main__":
    main()
