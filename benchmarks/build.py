"""Build memory and time as a project grows: unit by unit (the build) against all in one unit.

A project of N sources is the essay and N-1 copies of it under other names (see
`tests.conftest.copy_source`), each with events, phases, perceptions, roles, recommendations and
background resources of its own, about the same actors, issues, places and years. Each build
runs in a fresh process, which reports its own peak memory (the reasoner's JVM is a process of
its own, not counted: a child's ru_maxrss starts from its parent's at fork, so it cannot be told
apart this way). The baseline is the same build with every source in one unit, which is how
builds worked before they went unit by unit.

    PYTHONPATH=. .venv/bin/python benchmarks/build.py --sources 1 16 48
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alliance_kg.pipeline.units import UNIT_SOURCES, plan_units
from alliance_kg.project import Project
from tests.conftest import copy_project, copy_source

SLUG = "us-japan-alliance-adrift-again"
OWN_KINDS = ("event", "phase", "perception", "role", "recommendation", "background")
ONE_UNIT = 10**15
MEASURE = """
import json, resource, sys
from alliance_kg.pipeline.build import build_project
from alliance_kg.project import Project
target = build_project(Project.locate(sys.argv[1]), int(sys.argv[2]))
manifest = json.loads((target / "manifest.json").read_text())
print(json.dumps({
    "quads": manifest["triples"],
    "python_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def project_of(sources: int, folder: Path) -> Path:
    project = copy_project(folder)
    for number in range(1, sources):
        copy_source(project, SLUG, f"{SLUG}-copy-{number}", OWN_KINDS)
    return project.root


def measure(root: Path, unit_sources: int) -> dict[str, float]:
    started = time.perf_counter()
    answer = subprocess.run(
        [sys.executable, "-c", MEASURE, str(root), str(unit_sources)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(answer.stdout.splitlines()[-1])
    figures["seconds"] = time.perf_counter() - started
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--unit-sources", type=int, default=UNIT_SOURCES)
    args = parser.parse_args()
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
