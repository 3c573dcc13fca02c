"""Build: parse, validate, reason, and write the dataset the server and CLI load.

A build is written to its own folder and made current by swapping the `build/current`
symlink, so a failed or interrupted build leaves the previous one serving.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from .assemble import Assembly, assemble
from .loading import load_sources
from .problems import InvalidProject, Problem
from .project import BACKGROUND_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, Project, text_graph
from .quads import canonical_nquads, oxigraph_quads
from .reason import ReasonerFailure, infer
from .store import DATASET_FILE, MANIFEST_FILE
from .validate import Coverage, check_assembly, coverage

log = logging.getLogger(__name__)


@dataclass
class Checked:
    """The outcome of validating a project: its data, what was inferred, what is wrong."""

    assembly: Assembly
    inferred: Graph
    problems: list[Problem]
    coverage: Coverage


def reasoner_facts(assembly: Assembly) -> list[Graph]:
    """The graphs the reasoner reads besides the ontology: asserted facts and document text."""
    names = assembly.asserted_graphs() + [
        str(g.identifier)
        for g in assembly.dataset.graphs()
        if str(g.identifier).startswith(text_graph(""))
    ]
    return [assembly.graph(name) for name in names]


def check_project(project: Project) -> Checked:
    """Run every validation rule, the reasoner included, and compute sentence coverage."""
    sources = load_sources(project)
    assembly = assemble(sources)
    inferred = Graph()
    if sources.problems:  # a file that does not parse: other rules would only echo it
        return Checked(assembly, inferred, list(sources.problems), coverage(assembly))
    problems = check_assembly(project, sources, assembly)
    try:
        inferred = infer(assembly.graph(ONTOLOGY_GRAPH), reasoner_facts(assembly))
    except ReasonerFailure as error:
        problems.append(Problem("ontology/", None, "reasoner", None, str(error)))
    return Checked(assembly, inferred, problems, coverage(assembly))


def build_project(project: Project) -> Path:
    """Validate and build; return the new build folder. Raises InvalidProject on any problem."""
    checked = check_project(project)
    if checked.problems:
        raise InvalidProject(checked.problems)
    quads = oxigraph_quads(checked.assembly.dataset, {INFERRED_GRAPH: checked.inferred})
    data = canonical_nquads(quads)
    version = hashlib.sha256(data).hexdigest()[:16]
    graphs = Counter(str(q.graph_name.value) for q in quads if hasattr(q.graph_name, "value"))
    manifest = {
        "version": version,
        "triples": len(quads),
        "graphs": dict(sorted(graphs.items())),
        "background_graph": BACKGROUND_GRAPH,
        "sentence_coverage_percent": round(checked.coverage.percent, 1),
    }
    return _install(project.build_dir, version, data, manifest)


def _install(build_dir: Path, version: str, data: bytes, manifest: dict[str, object]) -> Path:
    build_dir.mkdir(parents=True, exist_ok=True)
    target = build_dir / version
    if not target.is_dir():
        staging = build_dir / f".{version}.{os.getpid()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        (staging / DATASET_FILE).write_bytes(data)
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        staging.rename(target)
    link = build_dir / f".current.{os.getpid()}.tmp"
    link.unlink(missing_ok=True)
    link.symlink_to(version)
    link.replace(build_dir / "current")
    for old in build_dir.iterdir():
        if (
            old.is_dir()
            and not old.is_symlink()
            and old.name != version
            and not old.name.startswith(".")
        ):
            shutil.rmtree(old, ignore_errors=True)
    log.info("built %s: %d quads", version, manifest["triples"])
    return target


def current_build(project: Project) -> Path | None:
    """The folder of the current build, if there is one."""
    link = project.build_dir / "current"
    return link.resolve() if link.exists() else None
