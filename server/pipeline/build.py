"""Build: parse, validate, reason, and write the dataset the server and CLI load.

A build is written to its own folder and made current by swapping the `build/current`
symlink, so a failed or interrupted build leaves the previous one serving. It goes by build
unit (see `units`), one at a time or several at once in worker processes (`jobs`), so its
memory follows the largest units, not the project.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph

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
from .jobs import in_order
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
    index_facts,
    mentioned_entities,
    plan_units,
    work_folder,
)
from .validate import check_assembly

log = logging.getLogger(__name__)


@dataclass
class Checked:
    """What checking one build unit leaves for the report: what is wrong, the coverage, the
    vocabulary used. Small, so that a worker process hands it back cheaply: the unit's quads
    go to its chunk file."""

    problems: list[Problem]
    coverage: Coverage
    usage: TermUsage = field(default_factory=lambda: TermUsage(partial=True))


@dataclass
class Report:
    """The outcome of validating a whole project, unit by unit; `warnings` do not fail it
    (vocabulary nothing uses, classes with a single instance). `inferred` counts the distinct
    inferred triples of all units."""

    problems: list[Problem] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    inferred: int = 0
    usage: TermUsage = field(default_factory=TermUsage)
    warnings: list[Problem] = field(default_factory=list)

    def add(self, checked: Checked) -> None:
        """Take in a unit's outcome, in unit order. A problem several units meet (the
        ontology's, an entity two units name) is reported once, where a unit could say the
        file and line."""
        known = {same_problem(p): i for i, p in enumerate(self.problems)}
        for problem in checked.problems:
            same = known.get(same_problem(problem))
            if same is None:
                known[same_problem(problem)] = len(self.problems)
                self.problems.append(problem)
            elif self.problems[same].line is None and problem.line is not None:
                self.problems[same] = problem
        self.coverage.extend(checked.coverage)
        self.usage.extend(checked.usage)


@dataclass
class Plan:
    """What every unit's check reads: the project, its units, the ontology and shapes parsed
    once, and where to write; `whole` writes each unit's quads, else only its inferences."""

    project: Project
    units: list[Unit]
    vocabulary: Sources
    work: Path
    whole: bool

    @property
    def index(self) -> Path | None:
        """The index of every unit's facts, with more than one unit."""
        return self.work / "facts" if len(self.units) > 1 else None


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
    project: Project, work: Path, whole: bool, unit_sources: int = UNIT_SOURCES, jobs: int = 1
) -> Iterator[Checked]:
    """Run every validation rule, the reasoner included, on each build unit, `jobs` units at
    once, writing each unit's chunk to `work`; the outcomes come in unit order.

    The ontology and shapes are parsed once. With several units, every facts file is first
    indexed on disk in `work`, so that each unit is checked with what the others say of its
    entities.
    """
    plan = Plan(
        project, plan_units(project, unit_sources), load_sources(project, Unit()), work, whole
    )
    if plan.index is not None:
        index_facts(plan.index, plan.units)
    return in_order(_check_and_write, plan, len(plan.units), jobs)


def _check_and_write(plan: Plan, number: int) -> Checked:
    """Check unit `number` and write its chunk, `work/NNNNNN.nq`: its quads, sorted, unless
    it has problems (the build fails then), or only its inferences when validating."""
    sources = load_sources(plan.project, plan.units[number], plan.vocabulary)
    with FactIndex(plan.index) if plan.index else nullcontext() as index:
        checked, assembly, inferred = _check_unit(plan.project, sources, number, index)
    chunk = plan.work / f"{number:06d}.nq"
    if not plan.whole:
        write_chunk(oxigraph_quads(Dataset(), {INFERRED_GRAPH: inferred}), chunk)
    elif not checked.problems:
        _write_unit(assembly, inferred, number, chunk)
    return checked


def _check_unit(
    project: Project, sources: Sources, number: int, index: FactIndex | None
) -> tuple[Checked, Assembly, Graph]:
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
        return Checked(list(sources.problems), coverage(assembly)), assembly, inferred
    problems = check_assembly(project, sources, assembly)
    reasoned = True
    try:
        inferred = infer(assembly.graph(ONTOLOGY_GRAPH), reasoner_facts(assembly))
    except ReasonerFailure as error:
        problems.append(Problem("ontology/", None, "reasoner", None, str(error)))
        reasoned = False
    usage = usage_of(sources, assembly, inferred)
    usage.partial = not reasoned  # without inferences, inverses and superclasses look unused
    if index is not None:
        for triple in [t for t in inferred if index.asserted_elsewhere(number, t)]:
            inferred.remove(triple)
    return Checked(problems, coverage(assembly), usage), assembly, inferred


def check_project(project: Project, unit_sources: int = UNIT_SOURCES, jobs: int = 1) -> Report:
    """Validate the whole project, and compute its coverage and what its vocabulary is used by;
    `jobs` units at a time, each in a process of its own past one."""
    report = Report()
    work = work_folder(project)
    try:
        for checked in checked_units(project, work, False, unit_sources, jobs):
            report.add(checked)
        inferred = merge_chunks(sorted(work.glob("*.nq")), Path(os.devnull))
        report.inferred = inferred.graphs[INFERRED_GRAPH]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.warnings = term_warnings(project, report.usage)
    return report


def build_project(project: Project, unit_sources: int = UNIT_SOURCES, jobs: int = 1) -> Path:
    """Validate and build; return the new build folder. Raises InvalidProject on any problem.

    Each unit's quads are written sorted to a chunk as soon as it is checked, and the chunks
    are merged into the dataset file: memory follows the size of a unit (of `jobs` units, past
    one job), not of the project. Any number of jobs writes the same bytes.
    """
    report = Report()
    work = work_folder(project)
    try:
        for checked in checked_units(project, work, True, unit_sources, jobs):
            report.add(checked)
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


def _write_unit(assembly: Assembly, inferred: Graph, number: int, chunk: Path) -> None:
    """The unit's quads, sorted; the ontology graph, the same in every unit, only from the first."""
    leave_out = {OTHER_SOURCES_GRAPH, OTHER_PROVENANCE_GRAPH} | (
        {ONTOLOGY_GRAPH} if number else set()
    )
    quads = oxigraph_quads(
        assembly.dataset,
        {INFERRED_GRAPH: inferred},
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
