"""Every problem and smell of a project as one list of rows with a level, in the manner of
ROBOT's `report` (http://robot.obolibrary.org/report): `alliance-kg report` prints them.

ERROR rows are the problems validation fails on; WARN and INFO rows are what it warns of
(unused terms, classes with a single instance, sources still incomplete) and the smells of
`queries/report/*.rq`, shipped with the package. A smell query says its level (`#+ level:`)
and its hint (`#+ fix:`); the first IRI of a row is its subject, and a `?segment` names the
graph that writes it, where the row points. Smells are looked for one build unit at a time,
as validation goes, and not in a unit that has a file that does not parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import RDF, RDFS, SKOS

from ..authoring.turtle_format import declared_prefixes
from ..curie import curie
from ..package_data import MissingPackageData, report_query_paths
from ..project import ONTOLOGY_NS, SOURCE_NS, Project
from ..query_files import QueryFile, read_query
from ..vocab import AKG, PREFIXES
from .assemble import Assembly, assemble
from .build import check_project
from .coverage import Coverage
from .loading import SourceFile, Sources, load_sources
from .locations import declaration_line, line_in_graph, name_pattern
from .problems import Problem, relative
from .quads import to_oxigraph
from .term_usage import SINGLE
from .units import UNIT_SOURCES, Unit, plan_units

ERROR, WARN, INFO = "ERROR", "WARN", "INFO"
LEVELS = (ERROR, WARN, INFO)  # most severe first
INCOMPLETE = "incomplete-source"
# an entity another build unit says something of is not isolated, though its own unit is silent
ISOLATED = "entity-without-facts"
DECLARING = {RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel}
SHOWN = 80  # characters of a literal a message quotes
Term = ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple


@dataclass(frozen=True)
class Row:
    """One problem or smell: its level, rule, where it is written, what it is about (a prefixed
    name where one fits), and what is wrong with the fix to try."""

    level: str
    rule: str
    file: str
    line: int | None
    subject: str
    message: str

    def order(self) -> tuple[int, str, str, int, str, str]:
        """ROBOT's order: by level, most severe first, then by rule; then by place."""
        where = (self.file, self.line or 0)
        return (LEVELS.index(self.level), self.rule, *where, self.subject, self.message)


class Names:
    """Subjects written short, with the prefixes the project knows and those of the file the
    row points at (so a sentence reads `s:p1-s2`, as its facts file writes it)."""

    def __init__(self, project: Project) -> None:
        self.root = project.root
        self.known: dict[str, dict[str, str]] = {}

    def short(self, iri: str | None, file: str) -> str:
        if not iri:
            return ""
        if file not in self.known:
            path = self.root / file
            readable = path.suffix in {".ttl", ".trig"} and path.is_file()
            text = path.read_text("utf-8", errors="replace") if readable else ""
            self.known[file] = {**PREFIXES, **declared_prefixes(text)}
        return curie(iri, self.known[file]) or f"<{iri}>"


def report_rows(project: Project, unit_sources: int = UNIT_SOURCES) -> list[Row]:
    """Validate the project and look for its smells: every row, in ROBOT's order."""
    names = Names(project)
    checked = check_project(project, unit_sources)
    rows = [problem_row(p, ERROR, names) for p in checked.problems]
    rows += [problem_row(w, INFO if w.rule == SINGLE else WARN, names) for w in checked.warnings]
    rows += incomplete_rows(project, checked.coverage, names)
    rows += smell_rows(project, names, unit_sources)
    return sorted(set(rows), key=Row.order)


def problem_row(problem: Problem, level: str, names: Names) -> Row:
    """A problem of validation, or one of its warnings, as a row."""
    subject = names.short(problem.resource, problem.file)
    return Row(level, problem.rule, problem.file, problem.line, subject, problem.message)


def incomplete_rows(project: Project, coverage: Coverage, names: Names) -> list[Row]:
    """Validation's warning for each source still incomplete, at its `akg:isComplete` line."""
    documents = [d for d, (_, _, complete) in sorted(coverage.documents.items()) if not complete]
    rows = []
    for document, warning in zip(documents, coverage.warnings(), strict=True):
        facts = project.triples_dir / f"{document.removeprefix(SOURCE_NS)}.trig"
        text = facts.read_text("utf-8", errors="replace").splitlines() if facts.is_file() else []
        flag = re.compile(name_pattern(AKG.isComplete, declared_prefixes("\n".join(text))))
        line = next((n for n, written in enumerate(text, 1) if flag.search(written)), None)
        file = relative(facts, project.root)
        message = warning.removeprefix("warning: ")
        rows.append(Row(WARN, INCOMPLETE, file, line, names.short(document, file), message))
    return rows


@dataclass(frozen=True)
class Smell:
    """A report query, with the level and the fix hint its header gives."""

    query: QueryFile
    level: str
    fix: str

    @classmethod
    def read(cls, path: Path) -> Smell:
        query = read_query(path)
        level = query.header.get("level", WARN).upper()
        if level not in LEVELS:
            raise ValueError(f"{path}: #+ level: must be one of {', '.join(LEVELS)}")
        return cls(query, level, query.header.get("fix", ""))


def smells() -> list[Smell]:
    """The report queries of the package; their absence is a broken installation."""
    paths = report_query_paths()
    if not paths:
        raise MissingPackageData("the alliance_kg package lacks its queries/report/*.rq")
    return [Smell.read(path) for path in paths]


def smell_rows(project: Project, names: Names, unit_sources: int = UNIT_SOURCES) -> list[Row]:
    """The rows of every report query, one build unit after the other."""
    queries = smells()
    found: dict[tuple[str, str, str], Row] = {}  # a unit repeats the ontology's, and entities
    linked: set[str] = set()
    vocabulary = load_sources(project, Unit())
    for sources, assembly in _parsed_units(project, vocabulary, unit_sources):
        linked |= linked_entities(assembly)
        store = to_oxigraph(assembly.dataset)
        for smell in queries:
            results = store.query(smell.query.text, use_default_graph_as_union=True)
            assert isinstance(results, ox.QuerySolutions), f"{smell.query.path}: not a SELECT"
            variables = [v.value for v in results.variables]
            for solution in results:
                values = dict(zip(variables, solution, strict=True))
                iri, row = _smell_row(smell, values, sources, names)
                found.setdefault((row.rule, iri, row.message), row)
    return [
        row for (rule, iri, _), row in found.items() if not (rule == ISOLATED and iri in linked)
    ]


def _parsed_units(
    project: Project, vocabulary: Sources, unit_sources: int
) -> Iterator[tuple[Sources, Assembly]]:
    for unit in plan_units(project, unit_sources):
        sources = load_sources(project, unit, vocabulary)
        if not sources.problems:  # a file that does not parse: its ERROR row says so
            yield sources, assemble(sources)


def linked_entities(assembly: Assembly) -> set[str]:
    """What the unit's facts say something of, or link to (a claim's `akg:covers` aside)."""
    linked: set[str] = set()
    for name in assembly.asserted_graphs():
        for subject, predicate, value in assembly.graph(name):
            if predicate not in DECLARING:
                linked.add(str(subject))
                if predicate != AKG.covers:
                    linked.add(str(value))
    return linked


def _smell_row(
    smell: Smell, values: dict[str, Term | None], sources: Sources, names: Names
) -> tuple[str, Row]:
    """A query solution as a row, with the IRI of its subject."""
    bound = {name: term for name, term in values.items() if term is not None}
    segment = bound.pop("segment", None)
    iri = next((t.value for t in bound.values() if isinstance(t, ox.NamedNode)), "")
    shown = [
        _shown(t) for t in bound.values() if not (isinstance(t, ox.NamedNode) and t.value == iri)
    ]
    message = smell.query.summary + (f": {', '.join(shown)}" if shown else "")
    message += f"; {smell.fix}" if smell.fix else ""
    file, line = _place(sources, iri, segment.value if segment is not None else None)
    return iri, Row(smell.level, smell.query.name, file, line, names.short(iri, file), message)


def _shown(term: Term) -> str:
    if isinstance(term, ox.Literal):
        text = term.value if len(term.value) <= SHOWN else term.value[: SHOWN - 3] + "..."
        return f'"{text}"' + (f"@{term.language}" if term.language else "")
    return str(term)


def _place(sources: Sources, iri: str, segment: str | None) -> tuple[str, int | None]:
    """Where the subject is written: in the graph of `segment` if given, else where the first
    file naming it starts its description (a sentence's graph, a term), else first names it."""
    files: list[SourceFile] = sources.facts + sources.ontology + sources.texts
    if iri.startswith(ONTOLOGY_NS):  # a term: its module, before the facts that use it
        files = sources.ontology + sources.facts + sources.texts
    if segment is not None:
        for file in sources.facts:
            if (line := line_in_graph(file, segment, iri)) is not None:
                return file.name, line
    for file in files:
        if (line := declaration_line(file, iri)) is not None:
            return file.name, line
    return "(dataset)", None
