"""Scale benchmark: the embedded store, in memory and on disk, against Virtuoso 7.2, one run.

For each size (default 1M and 10M quads): generate the synthetic dataset
(`alliance_kg.pipeline.synthetic`: the essay plus N recast essays), then
  - bulk-load it into the in-memory store (the default, `Store.open(build)`) and into the
    on-disk store (`Store.open(build, store_dir)`), each in a child process: seconds, quads per
    second, size on disk, peak RSS of the loading process;
  - bulk-load it into a private Virtuoso (`ld_dir`, `rdf_loader_run`, `checkpoint`): the same
    figures, peak RSS being the server's VmHWM;
  - run the example queries and three scale-shaped ones (`benchmarks/scale-queries/`) over HTTP
    on both, interleaved, sequentially: median and p95 latency. The embedded side is the store
    behind the project's front (query workers forked after the store was opened) as a
    bare WSGI function: the full endpoint pre-renders its pages at start, which takes minutes at
    these sizes.

Then `alliance-kg serve` itself (the whole endpoint and pages, placed as by default: on disk
past `IN_MEMORY_MAX_QUADS`) on the store the disk side loaded, with the default worker count and
twice that: seconds to the first answer, and the memory of the whole server once every worker
has answered every example (the sum of its processes' Pss, plus the page cache holding the
store's files, which they share). The baseline, in the same run: the in-memory store with one
worker, pages not warmed.

Then `alliance-kg publish` of the same build into a fresh Virtuoso (its default path), against
the bulk loader's rate above. Once per run, before the sizes, the build of a project of
`--build-sources` sources (48) with one job and with two (benchmarks/build.py). Each size ends
with the issue's targets, each with its figure and whether this run met it.

Run from the repository root, which must be importable for `tests.virtuoso_support`:

    PYTHONPATH=. .venv/bin/python benchmarks/scale.py [--sizes 1000000 10000000] [--seconds 10]

`--compare DIR` also measures the queries in DIR in the same run (say, the examples before a
rewrite, as `NAME.before.rq`), with a geometric mean of their own: on a shared machine, only
figures from one run compare.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, quote

import pyoxigraph as ox

from alliance_kg.config import defaults
from alliance_kg.pipeline.build import build_project, current_build
from alliance_kg.pipeline.publish import Credentials, GraphStore, publish
from alliance_kg.pipeline.synthetic import essays_for, write_dataset
from alliance_kg.pipeline.units import UNIT_SOURCES
from alliance_kg.project import Project
from alliance_kg.query_files import QueryFile, read_query
from alliance_kg.serving import serve_wsgi
from alliance_kg.store.build_files import DATASET_FILE, MANIFEST_FILE
from alliance_kg.store.embedded import Store
from alliance_kg.store.remote import UNION_GRAPH
from tests.virtuoso_support import free_port, running_virtuoso

HERE = Path(__file__).resolve()
SCALE_QUERIES = HERE.parent / "scale-queries"
SOLUTIONS_TYPE = "application/sparql-results+json"
GRAPH_TYPE = "text/turtle"
VIRTUOSO_BUFFERS = 340_000  # 8 kB pages: about 2.7 GB, Virtuoso's advice for 8 GB of RAM
REQUEST_LIMIT = 300.0  # seconds; a query over it counts as this long (a lower bound)
CONSTRUCT = re.compile(r"^\s*CONSTRUCT\b", re.IGNORECASE | re.MULTILINE)
# The targets of issue 16, on this machine, as ratios within one run where they are ratios.
MEMORY_TARGET = 1.5  # the whole server, default and twice the workers, / one in-memory copy
FIRST_ANSWER_TARGETS = ((1_000_000, 2.0), (10_000_000, 5.0))  # (up to quads, seconds)
MEAN_TARGET = 1.0  # geometric mean of the medians / Virtuoso's
SHAPE_TARGET = 3.0  # any query's median / Virtuoso's
BUILD_TARGET = 1.7  # speed-up of two jobs over one
PUBLISH_TARGET = (1_000_000, 50_000)  # (at quads, triples a second)


# --- the embedded side, in child processes -------------------------------------------------


MEMORY = "memory"  # in place of a store folder: the in-memory store


def open_store(build: Path, store_dir: str) -> Store:
    return Store.open(build) if store_dir == MEMORY else Store.open(build, Path(store_dir))


def load_child(build: Path, store_dir: str) -> None:
    """Bulk-load into a fresh store (in memory, or on disk) and print the figures as JSON."""
    started = time.perf_counter()
    store = open_store(build, store_dir)
    seconds = time.perf_counter() - started
    quads = sum(store.graphs.values())  # the build's quads, not the union's copy
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "quads": quads, "peak_rss": peak}))


def sparql_wsgi(store: Store) -> Callable:
    """GET /sparql?query=: the store's answer serialised, no checks (the engine alone)."""

    def application(environ: dict, start_response: Callable) -> list[bytes]:
        text = parse_qs(environ.get("QUERY_STRING", ""))["query"][0]
        result = store.query(text)
        if isinstance(result, ox.QueryTriples):
            body, kind = result.serialize(format=ox.RdfFormat.TURTLE) or b"", GRAPH_TYPE
        else:
            body, kind = result.serialize(format=ox.QueryResultsFormat.JSON) or b"", SOLUTIONS_TYPE
        start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
        return [body]

    return application


def serve_child(build: Path, store_dir: str, port: int) -> None:
    """The store, opened in the front, then served by forked one-request workers."""
    store = open_store(build, store_dir)
    config = {**defaults(), "PORT": port, "WORKERS": 2, "QUERY_TIMEOUT": REQUEST_LIMIT}
    serve_wsgi(sparql_wsgi(store), config, store)


def child(*arguments: str) -> list[str]:
    return [sys.executable, str(HERE), *arguments]


# --- HTTP client ----------------------------------------------------------------------------


def http_get(port: int, path: str, accept: str) -> tuple[int, bytes]:
    """One request on a fresh connection; the status and the whole response."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: {accept}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=REQUEST_LIMIT) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(1 << 20):
            chunks.append(chunk)
    data = b"".join(chunks)
    return int(data[9:12]), data


def wait_for(port: int, limit: float = 600) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if http_get(port, "/sparql?query=" + quote("ASK {}"), SOLUTIONS_TYPE)[0] == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"no answer on port {port} after {limit} s")


@contextlib.contextmanager
def running(command: list[str], port: int) -> Iterator[int]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(port)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def timed_get(port: int, path: str, accept: str) -> tuple[float, int]:
    started = time.perf_counter()
    status, data = http_get(port, path, accept)
    if status != 200:
        raise RuntimeError(f"{status} on port {port} for {path[:100]}: {data[:300]!r}")
    return (time.perf_counter() - started) * 1000, len(data)


def measure_query(ports: dict[str, int], query: QueryFile, seconds: float) -> dict[str, dict]:
    """Interleaved sequential requests to every server: one warm-up each, then at least 3
    and up to 30 rounds or `seconds` of wall time. A side whose warm-up exceeds the request
    limit is recorded as timed out (its median then is a lower bound: the limit)."""
    path = "/sparql?query=" + quote(query.text)
    accept = GRAPH_TYPE if CONSTRUCT.search(query.text) else SOLUTIONS_TYPE
    samples: dict[str, list[float]] = {name: [] for name in ports}
    sizes, live = {}, {}
    for name, port in ports.items():
        try:
            sizes[name] = timed_get(port, path, accept)[1]
            live[name] = port
        except TimeoutError:
            samples[name] = [REQUEST_LIMIT * 1000]
    started = time.monotonic()
    while live and (
        min(len(samples[n]) for n in live) < 3
        or (min(len(samples[n]) for n in live) < 30 and time.monotonic() - started < seconds)
    ):
        for name, port in live.items():
            samples[name].append(timed_get(port, path, accept)[0])
    return {
        name: {
            "median": statistics.median(times),
            "p95": sorted(times)[max(0, math.ceil(0.95 * len(times)) - 1)],
            "bytes": sizes.get(name),
            "timed_out": name not in live,
        }
        for name, times in samples.items()
    }


# --- the whole server, as `alliance-kg serve` runs it -----------------------------------------


def serve_command(build: Path, port: int, *settings: str) -> list[str]:
    command = [sys.executable, "-m", "alliance_kg.serving", "--project", str(HERE.parents[1])]
    command += ["--port", str(port), "--set", f"BUILD_DIR={build}"]
    for setting in settings:
        command += ["--set", setting]
    return command


def server_pids(front: int) -> list[int]:
    children = Path(f"/proc/{front}/task/{front}/children").read_text().split()
    return [front, *map(int, children)]


def proportional_bytes(pid: int) -> int:
    """Pss: each page shared by N processes counts 1/N in each, so the sum over a server's
    processes is the memory the whole server holds."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def cached_bytes(folder: Path) -> int:
    """The page cache holding `folder`'s files (fincore, from util-linux): shared by every
    process that reads them, and not in any process's Pss."""
    files = [str(p) for p in folder.rglob("*") if p.is_file()]
    if not files or not shutil.which("fincore"):
        return 0
    output = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--raw", "--output", "RES", *files],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    return sum(int(value) for value in output.split() if value.isdigit())


def exercise(port: int, queries: list[QueryFile], workers: int) -> None:
    """Every query from `workers` clients at once, twice, so that every worker answers."""

    def run(query: QueryFile) -> None:
        accept = GRAPH_TYPE if CONSTRUCT.search(query.text) else SOLUTIONS_TYPE
        with contextlib.suppress(RuntimeError, OSError):
            timed_get(port, "/sparql?query=" + quote(query.text), accept)

    with ThreadPoolExecutor(workers) as pool:
        for _ in range(2):
            list(pool.map(run, [q for q in queries for _ in range(workers)]))


def served(build: Path, queries: list[QueryFile], workers: int, *settings: str) -> dict:
    """Start `serve`, time its first answer, exercise every worker, sum the server's memory."""
    port = free_port()
    command = serve_command(build, port, f"WORKERS={workers}", *settings)
    started = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for(port)
        first = time.perf_counter() - started
        exercise(port, queries, workers)
        pids = server_pids(process.pid)
        pss = sum(proportional_bytes(pid) for pid in pids)
    finally:
        process.terminate()
        _, log = process.communicate(timeout=60)
    chosen = [line for line in log.decode().splitlines() if "store " in line and "quads" in line]
    return {"first_answer": first, "processes": len(pids), "pss": pss, "log": chosen[-1:]}


# --- Virtuoso ---------------------------------------------------------------------------------


def folder_bytes(folder: Path, skip: str | None = None) -> int:
    return sum(
        p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and not (skip and p.is_relative_to(folder / skip))
    )


def virtuoso_peak_rss(folder: Path) -> int:
    """VmHWM of the virtuoso-t serving `folder` (found by its ini path on the command line)."""
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if str(folder / "virtuoso.ini").encode() in status.read_bytes():
                for line in (status.parent / "status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
    return 0


def virtuoso_load(instance, dataset: Path) -> dict:
    shutil.copy(dataset, instance.folder / "data" / dataset.name)  # not timed
    started = time.perf_counter()
    instance.isql(f"ld_dir('{instance.folder}/data', '{dataset.name}', 'urn:default');")
    instance.isql("rdf_loader_run();")
    instance.isql("checkpoint;")
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "quads": quad_count(instance),
        "disk": folder_bytes(instance.folder, skip="data"),
        "peak_rss": virtuoso_peak_rss(instance.folder),
    }


def quad_count(instance, where: str = "") -> int:
    """Quads in a Virtuoso, over all its graphs (its own included), or as `where` filters."""
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {where} }}"
    _, data = http_get(instance.http_port, "/sparql?query=" + quote(count), SOLUTIONS_TYPE)
    body = json.loads(data.split(b"\r\n\r\n", 1)[1])
    return int(body["results"]["bindings"][0]["n"]["value"])


def measure_publish(build: Path, loaded_quads: int) -> dict:
    """`publish` (the default path) into a fresh Virtuoso with the bulk load's buffers, and
    whether its graphs then hold what the bulk loader loaded (`loaded_quads`, Virtuoso's own
    graphs included)."""
    triples = json.loads((build / MANIFEST_FILE).read_text("utf-8"))["triples"]
    with running_virtuoso(buffers=VIRTUOSO_BUFFERS) as instance:
        store = GraphStore(instance.graph_store_url, Credentials("dba", "dba"))
        started = time.perf_counter()
        publish(build, store)
        seconds = time.perf_counter() - started
        published = quad_count(instance, f"FILTER (?g != <{UNION_GRAPH}>)")
    return {
        "seconds": seconds,
        "triples": triples,
        "rate": triples / seconds,
        "quads": published,
        "same_as_bulk_load": published == loaded_quads,
    }


# --- one size ------------------------------------------------------------------------------


def measure_size(base: Path, triples: int, queries: list[QueryFile], args) -> dict:
    with tempfile.TemporaryDirectory(prefix="scale-", dir=args.scratch) as scratch:
        essays = essays_for(triples, base)
        print(f"\n## {triples:,} quads: {essays} essays", flush=True)
        started = time.perf_counter()
        build = write_dataset(base, Path(scratch) / "build", essays, args.seed)
        print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
        store_dir = str(Path(scratch) / "oxigraph")
        loads = {}
        for side, where in (("memory", MEMORY), ("disk", store_dir)):
            output = subprocess.run(
                child("--load", str(build), where), capture_output=True, check=True
            ).stdout
            loads[side] = json.loads(output.splitlines()[-1])
            loads[side]["disk"] = 0 if where == MEMORY else folder_bytes(Path(where))
            print(f"embedded {side} load: {loads[side]}", flush=True)
        with (
            running_virtuoso(buffers=VIRTUOSO_BUFFERS) as instance,
            contextlib.ExitStack() as stack,
        ):
            loads["virtuoso"] = virtuoso_load(instance, build / DATASET_FILE)
            print(f"Virtuoso load: {loads['virtuoso']}", flush=True)
            ports = {}
            for side, where in (("memory", MEMORY), ("disk", store_dir)):
                ports[side] = free_port()
                stack.enter_context(
                    running(child("--serve", str(build), where, str(ports[side])), ports[side])
                )
            ports["virtuoso"] = instance.http_port
            latency = {}
            for query in queries:
                latency[query.name] = measure_query(ports, query, args.seconds)
                shown = {k: round(v["median"], 2) for k, v in latency[query.name].items()}
                print(f"  {query.name}: {shown}", flush=True)
        scale_shapes = {path.stem for path in SCALE_QUERIES.glob("*.rq")}
        examples = [query for query in queries if query.name not in scale_shapes]
        servers = measure_servers(build, Path(store_dir), examples)
        published = measure_publish(build, loads["virtuoso"]["quads"])
        print(f"published: {published}", flush=True)
        return {
            "triples": triples,
            "essays": essays,
            "loads": loads,
            "latency": latency,
            "servers": servers,
            "publish": published,
        }


def measure_servers(build: Path, store_dir: Path, queries: list[QueryFile]) -> dict:
    """`serve` as placed by default (on disk past IN_MEMORY_MAX_QUADS: here the store the
    disk side loaded, so no second load), with the default worker count and twice that;
    and, as the baseline, the in-memory store with one worker (the start before issue 16)."""
    workers = int(defaults()["WORKERS"])
    found = {}
    for label, count in (("default", workers), ("double", 2 * workers)):
        found[label] = served(build, queries, count, f"STORE_DIR={store_dir}")
        found[label]["cache"] = cached_bytes(store_dir)
        print(f"served on disk, {count} workers: {found[label]}", flush=True)
    found["memory"] = served(
        build, queries, 1, "IN_MEMORY_MAX_QUADS=1000000000", "WARM_PAGES=false"
    )
    print(f"served in memory, 1 worker: {found['memory']}", flush=True)
    return found


def geomean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def report(figures: dict, groups: dict[str, set[str]]) -> None:
    size = f"{figures['triples']:,}"
    loads = figures["loads"]
    print(f"\n### {size} quads ({figures['essays']} essays)")
    print(f"{'':10} {'quads':>11} {'load s':>7} {'quads/s':>9} {'disk MB':>8} {'peak RSS MB':>11}")
    for side, f in loads.items():
        print(f"{side:10} {f['quads']:11,} {f['seconds']:7.1f} {f['quads'] / f['seconds']:9,.0f} "
              f"{f['disk'] / 1e6:8.0f} {f['peak_rss'] / 1e6:11.0f}")  # fmt: skip
    rate = {side: f["quads"] / f["seconds"] for side, f in loads.items()}
    print(f"load rate / Virtuoso's: memory {rate['memory'] / rate['virtuoso']:.2f}, "
          f"disk {rate['disk'] / rate['virtuoso']:.2f}")  # fmt: skip
    servers = figures.get("servers")
    if servers:
        one_copy = loads["memory"]["peak_rss"]
        print(f"\none in-memory copy of the store (the load's peak RSS): {one_copy / 1e6:,.0f} MB; "
              f"the on-disk store's files: {loads['disk']['disk'] / 1e6:,.0f} MB")  # fmt: skip
        for label in ("default", "double"):
            f = servers[label]
            whole = f["pss"] + f["cache"]
            print(f"served, {label} workers ({f['processes'] - 1}): first answer "
                  f"{f['first_answer']:.2f} s; Pss of all processes {f['pss'] / 1e6:,.0f} MB "
                  f"+ page cache of the store {f['cache'] / 1e6:,.0f} MB = {whole / 1e6:,.0f} MB,"
                  f" {whole / one_copy:.2f}x one in-memory copy")  # fmt: skip
        f = servers["memory"]
        print(f"baseline, in memory with 1 worker: first answer {f['first_answer']:.2f} s; "
              f"Pss {f['pss'] / 1e6:,.0f} MB; first answer ratio (on disk / in memory) "
              f"{servers['default']['first_answer'] / f['first_answer']:.2f}")  # fmt: skip
    published = figures["publish"]
    print(f"\npublish (default path, fresh Virtuoso): {published['triples']:,} triples in "
          f"{published['seconds']:.1f} s, {published['rate']:,.0f} triples/s")  # fmt: skip
    latency = figures["latency"]
    print(f"\n{'query (median ms; ratio to Virtuoso)':42} {'memory':>9} {'disk':>9} {'virtuoso':>9}"
          f" {'mem/virt':>8} {'disk/virt':>9}")  # fmt: skip
    for name, sides in latency.items():
        m, d, v = (sides[side]["median"] for side in ("memory", "disk", "virtuoso"))
        bound = any(side["timed_out"] for side in sides.values())
        print(f"{name:42} {m:9.2f} {d:9.2f} {v:9.2f} {m / v:8.2f} {d / v:9.2f}"
              + (" (timed out: a bound)" if bound else ""))  # fmt: skip
    for label, names in groups.items():
        chosen = [n for n in latency if n in names]
        if not chosen:
            continue
        virtuoso = geomean([latency[n]["virtuoso"]["median"] for n in chosen])
        for side in ("memory", "disk"):
            mean = geomean([latency[n][side]["median"] for n in chosen])
            ratios = {
                n: latency[n][side]["median"] / latency[n]["virtuoso"]["median"] for n in chosen
            }
            worst = max(ratios, key=ratios.__getitem__)
            print(f"geometric mean of medians ({label}, {len(chosen)}), {side}: {mean:.2f} ms "
                  f"against Virtuoso's {virtuoso:.2f} ms ({mean / virtuoso:.2f}x); "
                  f"slowest relative to Virtuoso: {worst} {ratios[worst]:.2f}x")  # fmt: skip


def verdict(met: bool) -> str:
    """The word a target's line ends with."""
    return "met" if met else "NOT MET"


def report_targets(figures: dict, groups: dict[str, set[str]]) -> None:
    """Each target of issue 16 at this size: the figure, the target, met or not."""
    size, loads, servers = figures["triples"], figures["loads"], figures["servers"]
    print(f"\ntargets at {size:,} quads (the on-disk store is the one `serve` places this size in)")
    one_copy = loads["memory"]["peak_rss"]
    for label in ("default", "double"):
        ratio = (servers[label]["pss"] + servers[label]["cache"]) / one_copy
        print(f"  whole-server memory, {label} workers: {ratio:.2f}x one copy "
              f"(target <= {MEMORY_TARGET}x): {verdict(ratio <= MEMORY_TARGET)}")  # fmt: skip
    limit = next((s for up_to, s in FIRST_ANSWER_TARGETS if size <= up_to), None)
    first = servers["default"]["first_answer"]
    if limit is not None:
        print(f"  first answer: {first:.2f} s (target < {limit:g} s): {verdict(first < limit)}")
    latency = figures["latency"]
    chosen = [n for n in latency if n in groups["all"]]
    for side in ("disk", "memory") if chosen else ():
        ratios = {n: latency[n][side]["median"] / latency[n]["virtuoso"]["median"] for n in chosen}
        mean = geomean(list(ratios.values()))
        print(f"  geometric mean, {len(chosen)} queries, {side}: {mean:.2f}x Virtuoso "
              f"(target <= {MEAN_TARGET}x): {verdict(mean <= MEAN_TARGET)}")  # fmt: skip
        over = {
            n: r for n, r in sorted(ratios.items(), key=lambda item: -item[1]) if r > SHAPE_TARGET
        }
        shown = ", ".join(f"{n} {r:.1f}x" for n, r in over.items()) or "none"
        print(f"  shapes over {SHAPE_TARGET:g}x Virtuoso, {side}: {shown}: {verdict(not over)}")
    published = figures["publish"]
    rate, bulk = published["rate"], loads["virtuoso"]["quads"] / loads["virtuoso"]["seconds"]
    at, target = PUBLISH_TARGET
    met = rate >= target and published["same_as_bulk_load"]
    print(f"  publish: {rate:,.0f} triples/s, {rate / bulk:.2f}x Virtuoso's bulk loader; "
          f"the graphs as the bulk load: {published['same_as_bulk_load']}"
          + (f" (target >= {target:,}/s): {verdict(met)}" if size == at else ""))  # fmt: skip


def report_build(figures: dict) -> None:
    """The build's line: one job against two, and the build target."""
    one, many = figures["one"], figures["many"]
    print(f"\nbuild of {figures['sources']} sources ({figures['units']} units, "
          f"{one['quads']:,} quads): one job {one['seconds']:.1f} s, {figures['jobs']} jobs "
          f"{many['seconds']:.1f} s, {figures['speed_up']:.2f}x, same bytes "
          f"{figures['same_bytes']} (target >= {BUILD_TARGET}x, same bytes): "
          f"{verdict(figures['speed_up'] >= BUILD_TARGET and figures['same_bytes'])}",
          flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", default=str(HERE.parents[1]))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--seconds", type=float, default=10.0, help="wall time per query")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scratch", help="folder for the generated data and stores (/tmp)")
    parser.add_argument(
        "--output",
        help="append the build's figures, then each size's, as JSON lines to this file",
    )
    parser.add_argument("--compare", help="also measure the .rq files of this folder, apart")
    parser.add_argument(
        "--build-sources", type=int, default=48, help="sources of the build measured (0: none)"
    )
    parser.add_argument("--load", nargs=2, metavar=("BUILD", "WHERE"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--serve", nargs=3, metavar=("BUILD", "DIR", "PORT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.load:
        load_child(Path(args.load[0]), args.load[1])
        return
    if args.serve:
        serve_child(Path(args.serve[0]), args.serve[1], int(args.serve[2]))
        return
    project = Project.locate(args.project)
    base = current_build(project) or build_project(project)
    examples = [read_query(path) for path in project.example_queries()]
    queries = examples + [read_query(path) for path in sorted(SCALE_QUERIES.glob("*.rq"))]
    folder = Path(args.compare) if args.compare else None
    compared = [read_query(path) for path in sorted(folder.glob("*.rq"))] if folder else []
    groups = {
        "examples": {q.name for q in examples},
        "all": {q.name for q in queries},
        "compared": {q.name for q in compared},
    }
    if args.build_sources:
        from build import jobs_figures  # noqa: PLC0415 - beside; imports the tests, so not in children

        built = jobs_figures(args.build_sources, UNIT_SOURCES, 2)
        report_build(built)
        if args.output:
            with Path(args.output).open("a", encoding="utf-8") as output:
                output.write(json.dumps({"build": built}) + "\n")
    for size in args.sizes:
        figures = measure_size(base, size, queries + compared, args)
        if args.output:  # first: a report that fails loses no figure
            with Path(args.output).open("a", encoding="utf-8") as output:
                output.write(json.dumps(figures) + "\n")
        report(figures, groups)
        report_targets(figures, groups)


if __name__ == "__main__":
    main()
