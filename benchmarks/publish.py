"""Publish benchmark: `alliance-kg publish` to a private Virtuoso 7.2, old path and new, one run.

On a build of about a million triples (generated, or `--build DIR`), each in a fresh Virtuoso
with the buffers of benchmarks/scale.py:
  - the Graph Store Protocol only (`--graph-store-only`: every graph and the union uploaded,
    100,000 triples a request, one connection): the path `publish` took before;
  - the default path: the graphs uploaded, the union copied inside Virtuoso (`ADD`), then the
    same publish again into the same store (replacing every graph);
  - Virtuoso's own bulk loader (`ld_dir`, `rdf_loader_run()`, `checkpoint`), which needs the
    file on the server: the ceiling.
Rates are the build's triples over wall seconds, the client's split of the dataset included.
(A site package named `benchmarks` shadows this folder, so scale.py is imported by its name.)

    PYTHONPATH=. .venv/bin/python benchmarks/publish.py [--triples 1000000] [--build DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from scale import (  # beside this script
    VIRTUOSO_BUFFERS,
    quad_count,
    running_virtuoso,
    virtuoso_load,
)

from alliance_kg.cli import main as alliance_kg
from alliance_kg.pipeline.publish import Credentials, GraphStore, publish
from alliance_kg.store.build_files import DATASET_FILE, MANIFEST_FILE
from alliance_kg.store.remote import UNION_GRAPH

USER = PASSWORD = "dba"  # a fresh Virtuoso database's account


def timed_publish(instance, build: Path, graph_store_only: bool) -> float:
    store = GraphStore(instance.graph_store_url, Credentials(USER, PASSWORD), graph_store_only)
    started = time.perf_counter()
    publish(build, store)
    return time.perf_counter() - started


def counts(instance, manifest: dict) -> dict[str, int]:
    """Triples per graph in the store, the union's included."""
    graphs = [*manifest["graphs"], UNION_GRAPH]
    return {graph: quad_count(instance, f"FILTER (?g = <{graph}>)") for graph in graphs}


def compared(found: dict[str, int], reference: dict[str, int], manifest: dict) -> str:
    """Raise unless the store holds what the old path left; say where Virtuoso's count differs
    from the build's (it merges literals it normalises, such as `"012"^^xsd:integer`)."""
    if found != reference:
        wrong = {g: (n, reference[g]) for g, n in found.items() if n != reference[g]}
        raise RuntimeError(f"counts differ from the old path's: {wrong}")
    merged = sum(n - found[g] for g, n in manifest["graphs"].items())
    return f"same counts as the old path; union {found[UNION_GRAPH]:,}; {merged} merged by Virtuoso"


def run(build: Path) -> None:
    manifest = json.loads((build / MANIFEST_FILE).read_text("utf-8"))
    triples = manifest["triples"]
    seconds: dict[str, float] = {}
    print(f"{triples:,} triples in {len(manifest['graphs'])} graphs; Virtuoso buffers "
          f"{VIRTUOSO_BUFFERS:,}", flush=True)  # fmt: skip
    with running_virtuoso(buffers=VIRTUOSO_BUFFERS) as instance:
        seconds["graph store only (old)"] = timed_publish(instance, build, True)
        reference = counts(instance, manifest)
        print(f"graph store only: {compared(reference, reference, manifest)}", flush=True)
    with running_virtuoso(buffers=VIRTUOSO_BUFFERS) as instance:
        seconds["default (new)"] = timed_publish(instance, build, False)
        print(f"default: {compared(counts(instance, manifest), reference, manifest)}", flush=True)
        seconds["default, publishing again"] = timed_publish(instance, build, False)
        again = compared(counts(instance, manifest), reference, manifest)
        print(f"default again: {again}", flush=True)
    with running_virtuoso(buffers=VIRTUOSO_BUFFERS) as instance:
        seconds["bulk loader (server side)"] = virtuoso_load(instance, build / DATASET_FILE)[
            "seconds"
        ]
    old, new = seconds["graph store only (old)"], seconds["default (new)"]
    print(f"\n{'path':28} {'seconds':>8} {'triples/s':>10} {'vs old':>7}")
    for name, value in seconds.items():
        print(f"{name:28} {value:8.1f} {triples / value:10,.0f} {old / value:6.2f}x")
    bulk = seconds["bulk loader (server side)"]
    print(f"default (new) runs at {bulk / new:.2f} of the bulk loader's rate")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="size to generate")
    parser.add_argument("--build", type=Path, help="a build folder to publish instead")
    return parser.parse_args()


if __name__ == "__main__":
    args = arguments()
    if args.build:
        run(args.build)
    else:
        with tempfile.TemporaryDirectory(prefix="publish-bench-") as scratch:
            folder = Path(scratch) / "build"
            alliance_kg(["generate", "--triples", str(args.triples), "-o", str(folder)])
            run(folder)
