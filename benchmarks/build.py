"""Build memory and time as a project grows: unit by unit (the build) against all in one unit,
or, with `--jobs N`, one job against N.

A project of N sources is the essay and N-1 copies of it under other names (see
`tests.conftest.copy_source`), each with events, phases, perceptions, roles, recommendations and
background resources of its own, about the same actors, issues, places and years. Each build
runs in a fresh process, which reports its own peak memory (the reasoner's JVM is a process of
its own, not counted: a child's ru_maxrss starts from its parent's at fork, so it cannot be told
apart this way). The baseline is the same build with every source in one unit, which is how
builds worked before they went unit by unit.

With `--jobs N`, each size is built unit by unit with one job, then with N (worker processes,
each with its JVM), and the two must write the same dataset. Memory is then the peak of the
whole process tree (the build, its workers and their JVMs), sampled from /proc.

    PYTHONPATH=. .venv/bin/python benchmarks/build.py --sources 1 16 48
    PYTHONPATH=. .venv/bin/python benchmarks/build.py --sources 48 --jobs 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from rdflib import Dataset, Literal
from rdflib.namespace import RDFS

from alliance_kg.pipeline.units import UNIT_SOURCES, plan_units
from alliance_kg.project import ID_NS, Project
from tests.conftest import copy_project, copy_source

SLUG = "us-japan-alliance-adrift-again"
OWN_KINDS = ("event", "phase", "perception", "role", "recommendation", "background")
ONE_UNIT = 10**15
MEASURE = """
import json, resource, sys
from alliance_kg.pipeline.build import build_project
from alliance_kg.project import Project
target = build_project(Project.locate(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
manifest = json.loads((target / "manifest.json").read_text())
print(json.dumps({
    "version": manifest["version"],
    "quads": manifest["triples"],
    "python_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def project_of(sources: int, folder: Path) -> Path:
    project = copy_project(folder)
    for number in range(1, sources):
        copy = f"{SLUG}-copy-{number}"
        _relabel(copy_source(project, SLUG, copy, OWN_KINDS), copy)
    return project.root


def _relabel(facts: Path, copy: str) -> None:
    """Give the copy's own individuals labels of their own: no two individuals share one."""
    dataset = Dataset()
    dataset.parse(facts, format="trig")
    own = tuple(f"{ID_NS}{kind}/{copy}-" for kind in OWN_KINDS)
    for s, p, label, graph in list(dataset.quads((None, RDFS.label, None, None))):
        if str(s).startswith(own) and isinstance(label, Literal):
            dataset.remove((s, p, label, graph))
            dataset.add((s, p, Literal(f"{label} ({copy})", lang=label.language), graph))
    dataset.serialize(facts, format="trig")


def measure(root: Path, unit_sources: int, jobs: int = 1) -> dict[str, float]:
    started = time.perf_counter()
    build = subprocess.Popen(
        [sys.executable, "-c", MEASURE, str(root), str(unit_sources), str(jobs)],
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = [0]
    sampler = threading.Thread(target=_sample_tree, args=(build, peak), daemon=True)
    sampler.start()
    output, _ = build.communicate()
    sampler.join()
    assert build.returncode == 0, f"the build failed ({build.returncode})"
    figures = json.loads(output.splitlines()[-1])
    figures["seconds"] = time.perf_counter() - started
    figures["tree_mb"] = peak[0] / 2**20
    return figures


def _sample_tree(build: subprocess.Popen, peak: list[int]) -> None:
    """The largest sum of resident memory of `build` and its descendants, every 0.2 s."""
    page = os.sysconf("SC_PAGE_SIZE")
    while build.poll() is None:
        parents, rss = {}, {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue  # self, thread-self, and files that are not processes
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # a process that has just ended
            parents[int(entry.name)], rss[int(entry.name)] = int(fields[1]), int(fields[21])
        tree, grown = {build.pid}, True
        while grown:
            before = len(tree)
            tree |= {pid for pid, parent in parents.items() if parent in tree}
            grown = len(tree) != before
        peak[0] = max(peak[0], sum(rss.get(pid, 0) for pid in tree) * page)
        time.sleep(0.2)


def jobs_figures(sources: int, unit_sources: int, jobs: int) -> dict:
    """One project of `sources` sources built unit by unit with one job, then with `jobs`."""
    with tempfile.TemporaryDirectory() as folder:
        root = project_of(sources, Path(folder))
        units = len(plan_units(Project(root), unit_sources))
        one = measure(root, unit_sources)
        many = measure(root, unit_sources, jobs)
    return {
        "sources": sources,
        "units": units,
        "jobs": jobs,
        "one": one,
        "many": many,
        "speed_up": one["seconds"] / many["seconds"],
        "same_bytes": one["version"] == many["version"],
    }


def compare_jobs(sources: list[int], unit_sources: int, jobs: int) -> None:
    """One job against `jobs`, unit by unit: seconds, speed-up, peak memory, same bytes."""
    print(
        f"{'sources':>7} {'quads':>9} {'units':>5} | {'1 job s':>7} {'tree MB':>8} |"
        f" {jobs:>2} jobs s {'tree MB':>8} | {'speed-up':>8} same bytes"
    )
    for size in sources:
        f = jobs_figures(size, unit_sources, jobs)
        one, many = f["one"], f["many"]
        print(
            f"{size:>7} {one['quads']:>9,} {f['units']:>5} | {one['seconds']:>7.1f}"
            f" {one['tree_mb']:>8.0f} | {many['seconds']:>10.1f} {many['tree_mb']:>8.0f} |"
            f" {f['speed_up']:>8.2f} {f['same_bytes']}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--unit-sources", type=int, default=UNIT_SOURCES)
    parser.add_argument("--jobs", type=int, help="compare one job with this many, unit by unit")
    args = parser.parse_args()
    if args.jobs:
        compare_jobs(args.sources, args.unit_sources, args.jobs)
        return
    print(
        f"{'sources':>7} {'quads':>9} | {'units':>5} {'s':>7} {'peak MB':>8} |"
        f" {'one unit s':>10} {'peak MB':>8} | {'memory ratio':>12}"
    )
    for sources in args.sources:
        with tempfile.TemporaryDirectory() as folder:
            root = project_of(sources, Path(folder))
            units = len(plan_units(Project(root), args.unit_sources))
            streamed = measure(root, args.unit_sources)
            whole = measure(root, ONE_UNIT)
        assert streamed["quads"] == whole["quads"]
        ratio = streamed["python_mb"] / whole["python_mb"]
        print(
            f"{sources:>7} {streamed['quads']:>9,} | {units:>5} {streamed['seconds']:>7.1f}"
            f" {streamed['python_mb']:>8.0f} |"
            f" {whole['seconds']:>10.1f} {whole['python_mb']:>8.0f} |"
            f" {ratio:>12.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
