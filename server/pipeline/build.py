"""Build: parse, validate, reason, and write the dataset the server and CLI load.

A build is written to its own folder and made current by swapping the `build/current`
symlink, so a failed or interrupted build leaves the previous one serving. It goes one build
unit (see `units`) at a time, so its memory follows the largest unit, not the project.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from ..project import (
    BACKGROUND_GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PROVENANCE_GRAPH,
    Project,
    text_graph,
)
from ..store.build_files import DATASET_FILE, MANIFEST_FILE
from .assemble import Assembly, assemble
from .coverage import Coverage, coverage
from .loading import Sources, load_sources
from .problems import InvalidProject, Problem, same_problem
from .quads import merge_chunks, oxigraph_quads, write_chunk
from .reason import ReasonerFailure, infer
from .search_index import SEARCH_FILE, facts_of_dataset, write_index
from .term_usage import TermUsage, term_warnings, usage_of
from .units import (
    OTHER_PROVENANCE_GRAPH,
    OTHER_SOURCES_GRAPH,
    UNIT_SOURCES,
    FactIndex,
    Unit,
    mentioned_entities,
    plan_units,
    work_folder,
)
from .validate import check_assembly

log = logging.getLogger(__name__)


@dataclass
class Checked:
    """The outcome of validating one build unit: its data, what was inferred, what is wrong.

    `new_inferences` counts the inferred triples no earlier unit found.
    """

    assembly: Assembly
    inferred: Graph
    problems: list[Problem]
    coverage: Coverage
    new_inferences: int = 0
    usage: TermUsage = field(default_factory=lambda: TermUsage(partial=True))


@dataclass
class Report:
    """The outcome of validating a whole project, one unit after the other; `warnings` do not
    fail it (vocabulary nothing uses, classes with a single instance)."""

    problems: list[Problem] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    inferred: int = 0
    usage: TermUsage = field(default_factory=TermUsage)
    warnings: list[Problem] = field(default_factory=list)

    def add(self, checked: Checked) -> None:
        """Take in a unit's outcome. A problem several units meet (the ontology's, an entity
        two units name) is reported once, where a unit could say the file and line."""
        known = {same_problem(p): i for i, p in enumerate(self.problems)}
        for problem in checked.problems:
            same = known.get(same_problem(problem))
            if same is None:
                known[same_problem(problem)] = len(self.problems)
                self.problems.append(problem)
            elif self.problems[same].line is None and problem.line is not None:
                self.problems[same] = problem
        self.coverage.extend(checked.coverage)
        self.inferred += checked.new_inferences
        self.usage.extend(checked.usage)


def reasoner_facts(assembly: Assembly) -> list[Graph]:
    """The graphs the reasoner reads besides the ontology: asserted facts, document text, and
    what other build units say about the entities these mention."""
    names = assembly.asserted_graphs() + [
        str(g.identifier)
        for g in assembly.dataset.graphs()
        if str(g.identifier).startswith(text_graph("")) or str(g.identifier) == OTHER_SOURCES_GRAPH
    ]
    return [assembly.graph(name) for name in names]


def checked_units(
    project: Project, work: Path, unit_sources: int = UNIT_SOURCES
) -> Iterator[Checked]:
    """Run every validation rule, the reasoner included, on one build unit after the other.

    The ontology and shapes are parsed once. With several units, every facts file is first
    indexed on disk in `work`, so that each unit is checked with what the others say of its
    entities.
    """
    units = plan_units(project, unit_sources)
    vocabulary = load_sources(project, Unit())
    if len(units) == 1:
        yield _check_unit(project, load_sources(project, units[0], vocabulary), 0, None)
        return
    with FactIndex(work / "facts", units) as index:
        for number, unit in enumerate(units):
            yield _check_unit(project, load_sources(project, unit, vocabulary), number, index)


def _check_unit(
    project: Project, sources: Sources, number: int, index: FactIndex | None
) -> Checked:
    assembly = assemble(sources)
    if index is not None:
        named = [*assembly.asserted_graphs(), PROVENANCE_GRAPH]
        mentioned = mentioned_entities([assembly.graph(name) for name in named])
        for name, context in index.context(number, mentioned).items():
            target = assembly.graph(name)
            for triple in context:
                target.add(triple)
    inferred = Graph()
    if sources.problems:  # a file that does not parse: other rules would only echo it
        return Checked(assembly, inferred, list(sources.problems), coverage(assembly))
    problems = check_assembly(project, sources, assembly)
    reasoned = True
    try:
        inferred = infer(assembly.graph(ONTOLOGY_GRAPH), reasoner_facts(assembly))
    except ReasonerFailure as error:
        problems.append(Problem("ontology/", None, "reasoner", None, str(error)))
        reasoned = False
    new_inferences = len(inferred)
    usage = usage_of(sources, assembly, inferred)
    usage.partial = not reasoned  # without inferences, inverses and superclasses look unused
    if index is not None:
        for triple in [t for t in inferred if index.asserted_elsewhere(number, t)]:
            inferred.remove(triple)
        new_inferences = index.note_inferred(inferred)
    return Checked(assembly, inferred, problems, coverage(assembly), new_inferences, usage)


def check_project(project: Project, unit_sources: int = UNIT_SOURCES) -> Report:
    """Validate the whole project, and compute its coverage and what its vocabulary is used by."""
    report = Report()
    work = work_folder(project)
    try:
        for checked in checked_units(project, work, unit_sources):
            report.add(checked)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.warnings = term_warnings(project, report.usage)
    return report


def build_project(project: Project, unit_sources: int = UNIT_SOURCES) -> Path:
    """Validate and build; return the new build folder. Raises InvalidProject on any problem.

    Each unit's quads are written sorted to a chunk as soon as it is checked, and the chunks
    are merged into the dataset file: memory follows the size of a unit, not of the project.
    """
    report = Report()
    work = work_folder(project)
    try:
        for number, checked in enumerate(checked_units(project, work, unit_sources)):
            report.add(checked)
            if not report.problems:
                _write_unit(checked, number, work / f"{number:06d}.nq")
            del checked  # let the unit go before the next one is read
        if report.problems:
            raise InvalidProject(report.problems)
        staging = work / "build"
        staging.mkdir()
        merged = merge_chunks(sorted(work.glob("*.nq")), staging / DATASET_FILE)
        facts = facts_of_dataset(staging / DATASET_FILE)
        write_index(facts, staging / SEARCH_FILE, merged.digest[:16]).close()
        manifest = {
            "version": merged.digest[:16],
            "triples": merged.quads,
            "graphs": dict(sorted(merged.graphs.items())),
            "background_graph": BACKGROUND_GRAPH,
            "sentence_coverage_percent": round(report.coverage.percent, 1),
            "typed_sentence_percent": round(report.coverage.typed_percent, 1),
            "argument_links": report.coverage.link_count,
            "argument_links_by_property": report.coverage.links_by_property(),
        }
        return _install(project.build_dir, staging, manifest)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write_unit(checked: Checked, number: int, chunk: Path) -> None:
    """The unit's quads, sorted; the ontology graph, the same in every unit, only from the first."""
    leave_out = {OTHER_SOURCES_GRAPH, OTHER_PROVENANCE_GRAPH} | (
        {ONTOLOGY_GRAPH} if number else set()
    )
    quads = oxigraph_quads(
        checked.assembly.dataset,
        {INFERRED_GRAPH: checked.inferred},
        frozenset(leave_out),
        blank_prefix=f"u{number}" if number else "",
    )
    write_chunk(quads, chunk)


def _install(build_dir: Path, staging: Path, manifest: dict[str, object]) -> Path:
    version = str(manifest["version"])
    target = build_dir / version
    if not target.is_dir():
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
