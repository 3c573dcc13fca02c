"""Compare rdflib's SPARQL engine with pyoxigraph on the example queries, in one run.

Two datasets: the built essay dataset, and synthetic essays around it (default 100 essays' worth).
Prints the median latency per query and engine, and the ratio rdflib / pyoxigraph.

    .venv/bin/python benchmarks/engines.py [--factor 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from alliance_kg.pipeline.build import build_project, current_build
from alliance_kg.pipeline.synthetic import generate
from alliance_kg.project import Project
from alliance_kg.query_files import read_query
from alliance_kg.store.build_files import DATASET_FILE


def _median_ms(run: Callable[[], object], repeat: int, budget_s: float) -> float:
    run()  # warm-up: parse caches, lazy indexes
    times = []
    started = time.perf_counter()
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() - started > budget_s:
            break
    return statistics.median(times)


def _median_ms_or_timeout(run: Callable[[], object], repeat: int, timeout_s: float) -> float:
    """Like `_median_ms`, in a forked child killed after `timeout_s`: rdflib cannot be
    interrupted, and some query shapes take it minutes. Returns inf on timeout."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=lambda: send.send(_median_ms(run, repeat, timeout_s / 2)))
    child.start()
    child.join(timeout_s)
    if child.is_alive():
        child.kill()
        child.join()
        return math.inf
    return receive.recv()


def _engines(quads: list[ox.Quad]) -> tuple[ox.Store, Dataset]:
    store = ox.Store()
    store.bulk_extend(quads)
    dataset = Dataset(default_union=True)
    dataset.parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS), format="nquads")
    return store, dataset


def _consume(results: object) -> int:
    return sum(1 for _ in results) if not isinstance(results, (bool, ox.QueryBoolean)) else 1


def measure(
    label: str, quads: list[ox.Quad], queries: list, repeat: int, timeout_s: float
) -> list[float]:
    """Time every query on both engines over `quads`; return rdflib/pyoxigraph ratios."""
    t0 = time.perf_counter()
    store, dataset = _engines(quads)
    loaded = time.perf_counter() - t0
    print(f"\n## {label}: {len(quads):,} quads (both engines loaded in {loaded:.1f} s)", flush=True)
    print(f"{'query':42} {'rdflib ms':>10} {'oxigraph ms':>12} {'ratio':>7}")
    ratios = []
    for query in queries:

        def on_oxigraph(text: str = query.text) -> int:
            return _consume(store.query(text, use_default_graph_as_union=True))

        def on_rdflib(text: str = query.text) -> int:
            return _consume(dataset.query(text))

        oxi = _median_ms(on_oxigraph, repeat, 10)
        rdf = _median_ms_or_timeout(on_rdflib, repeat, timeout_s)
        shown = f"{rdf:10.2f}" if math.isfinite(rdf) else f">{timeout_s * 1000:9.0f}"
        ratio = min(rdf, timeout_s * 1000) / oxi
        ratios.append(ratio)
        more = "" if math.isfinite(rdf) else " (at least: rdflib timed out)"
        print(f"{query.name:42} {shown} {oxi:12.3f} {ratio:7.1f}{more}", flush=True)
    geo = math.exp(statistics.mean(math.log(r) for r in ratios))
    spread = f"{min(ratios):.1f}x-{max(ratios):.1f}x"
    print(f"geometric mean: rdflib takes {geo:.1f}x as long as pyoxigraph ({spread})", flush=True)
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--essays", type=int, default=100, help="essays' worth, the essay included")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query")
    parser.add_argument("--project", default=".", help="project folder")
    parser.add_argument("--timeout", type=float, default=30, help="seconds before rdflib gives up")
    args = parser.parse_args()
    project = Project.locate(args.project)
    build = current_build(project) or build_project(project)
    quads = list(ox.parse(path=Path(build) / DATASET_FILE, format=ox.RdfFormat.N_QUADS))
    queries = [read_query(p) for p in project.example_queries()]
    measure("built essay dataset", quads, queries, args.repeat, args.timeout)
    large = list(generate(quads, args.essays))
    measure(f"synthetic, {args.essays} essays", large, queries, args.repeat, args.timeout)


if __name__ == "__main__":
    main()
