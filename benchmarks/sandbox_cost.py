"""What the query workers' seccomp filter costs: a system call and an example query, before and
after `sandbox.forbid_network()`, in the same process.

The store is loaded from the project's current build, then each round times a system call
(`getppid`) and the query in this process, forks, installs the filter in the child and times
them again there.
Printed per round: both figures before and after, and their ratio.

    PYTHONPATH=. .venv/bin/python benchmarks/sandbox_cost.py [--rounds 3] [--query NAME]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pyoxigraph as ox

from alliance_kg.front.sandbox import forbid_network
from alliance_kg.query_files import read_query

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
STATS = 200_000
QUERIES = 2_000


def timed(store: ox.Store, query: str) -> tuple[float, float]:
    """Microseconds for one system call (`getppid`) and for one query with its serialisation."""
    started = time.perf_counter()
    for _ in range(STATS):
        os.getppid()
    stat = (time.perf_counter() - started) / STATS * 1e6
    started = time.perf_counter()
    for _ in range(QUERIES):
        found = store.query(query, use_default_graph_as_union=True)
        found.serialize(format=ox.QueryResultsFormat.JSON)
    return stat, (time.perf_counter() - started) / QUERIES * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--query", default="actors-and-concerns", help="an example's name")
    args = parser.parse_args()
    store = ox.Store()
    dataset = PROJECT / "build" / "current" / "dataset.nq"
    store.bulk_load(path=str(dataset.resolve()), format=ox.RdfFormat.N_QUADS)
    query = read_query(PROJECT / "queries" / "examples" / f"{args.query}.rq").text
    for number in range(args.rounds):
        before = timed(store, query)
        child = os.fork()
        if child == 0:
            forbid_network()
            after = timed(store, query)
            print(
                f"round {number}: getppid {before[0]:.2f} -> {after[0]:.2f} us "
                f"({after[0] / before[0]:.2f}x); {args.query} {before[1]:.0f} -> "
                f"{after[1]:.0f} us ({after[1] / before[1]:.2f}x)",
                flush=True,
            )
            os._exit(0)
        os.waitpid(child, 0)


if __name__ == "__main__":
    main()
