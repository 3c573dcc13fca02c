"""Parse the project's Turtle and TriG files, keeping where each resource is written.

Integer literals of the data (texts and facts) are read as `xsd:integer` in canonical form, as
the engine stores them: every later step, and the built dataset, then holds what is served.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD

from ..authoring.turtle_format import declared_prefixes
from ..curie import prefixed_names
from ..project import Project
from .problems import Problem, relative
from .units import Unit


@dataclass
class SourceFile:
    """A parsed data file: its graphs (TriG) or its one graph (Turtle), and its text."""

    path: Path
    name: str
    dataset: Dataset
    text: str

    def graphs(self) -> list[Graph]:
        return [g for g in self.dataset.graphs() if len(g)]

    def default_graph(self) -> Graph:
        return self.dataset.graph(DATASET_DEFAULT_GRAPH_ID)

    def named_graphs(self) -> list[Graph]:
        return [g for g in self.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID]

    def merged(self) -> Graph:
        """Every triple of the file in one graph."""
        graph = Graph()
        for quad_graph in self.graphs():
            for triple in quad_graph:
                graph.add(triple)
        return graph

    def line_of(self, iri: str) -> int | None:
        """The first line that names `iri`, in full or by a prefixed name declared in the file."""
        candidates = [f"<{iri}>", *prefixed_names(iri, declared_prefixes(self.text))]
        for number, line in enumerate(self.text.splitlines(), start=1):
            for candidate in candidates:
                index = line.find(candidate)
                if index >= 0 and not _continues_name(line, index + len(candidate)):
                    return number
        return None


def _continues_name(line: str, end: int) -> bool:
    return end < len(line) and (line[end].isalnum() or line[end] in "-_")


@dataclass
class Sources:
    """All of a project's data files, parsed, and the problems parsing met."""

    ontology: list[SourceFile] = field(default_factory=list)
    shapes: list[SourceFile] = field(default_factory=list)
    texts: list[SourceFile] = field(default_factory=list)
    facts: list[SourceFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def all_files(self) -> list[SourceFile]:
        return self.ontology + self.shapes + self.texts + self.facts

    def locate(self, iri: str, files: list[SourceFile] | None = None) -> tuple[str, int | None]:
        """The file and line where a resource is first written, for messages."""
        for source in files if files is not None else self.all_files():
            if (line := source.line_of(iri)) is not None:
                return source.name, line
        return "(dataset)", None


def parse_file(path: Path, root: Path) -> SourceFile:
    """Parse one Turtle or TriG file; raise SyntaxProblem, naming file and line, if it is bad.

    Oxigraph's parser checks the syntax first, for its exact line and column; rdflib then
    builds the graphs the pipeline works on.
    """
    text = path.read_text(encoding="utf-8")
    name = relative(path, root)
    trig = path.suffix == ".trig"
    try:
        for _ in ox.parse(text, format=ox.RdfFormat.TRIG if trig else ox.RdfFormat.TURTLE):
            pass
    except SyntaxError as error:
        message = f"syntax error: {error.msg}"
        raise SyntaxProblem(Problem(name, error.lineno, "parse", None, message)) from error
    dataset = Dataset()
    if trig:
        dataset.parse(data=text, format="trig")
    else:
        dataset.graph(DATASET_DEFAULT_GRAPH_ID).parse(data=text, format="turtle")
    return SourceFile(path, name, dataset, text)


# xsd:integer and the types XSD derives from it, with their bounds. The engine stores all of
# them as xsd:integer, so `"4"^^xsd:positiveInteger` would be served as `"4"^^xsd:integer`.
INTEGER_TYPES: dict[URIRef, tuple[int | None, int | None]] = {
    XSD.integer: (None, None),
    XSD.nonNegativeInteger: (0, None),
    XSD.positiveInteger: (1, None),
    XSD.nonPositiveInteger: (None, 0),
    XSD.negativeInteger: (None, -1),
    XSD.long: (-(2**63), 2**63 - 1),
    XSD.int: (-(2**31), 2**31 - 1),
    XSD.short: (-(2**15), 2**15 - 1),
    XSD.byte: (-(2**7), 2**7 - 1),
    XSD.unsignedLong: (0, 2**64 - 1),
    XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1),
    XSD.unsignedByte: (0, 2**8 - 1),
}
INTEGER_LEXICAL = re.compile(r"[+-]?[0-9]+")


def engine_integer(value: Literal) -> Literal | None:
    """`value` as the engine stores it, `"N"^^xsd:integer`, when it is a valid integer literal
    written otherwise; None when it is kept as it is (not an integer type, ill-typed, or
    canonical already). An ill-typed literal stays, for the shapes to report."""
    bounds = INTEGER_TYPES.get(value.datatype) if value.datatype is not None else None
    text = str(value).strip()
    if bounds is None or not INTEGER_LEXICAL.fullmatch(text):
        return None
    number, (low, high) = int(text), bounds
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    if (str(value), value.datatype) == (str(number), XSD.integer):
        return None
    return Literal(str(number), datatype=XSD.integer)


def as_engine_stores(dataset: Dataset) -> None:
    """Rewrite the integer literals of `dataset` in place, as `engine_integer` says."""
    for graph in dataset.graphs():
        for s, p, o in list(graph.triples((None, None, None))):
            if isinstance(o, Literal) and (new := engine_integer(o)) is not None:
                graph.remove((s, p, o))
                graph.add((s, p, new))


class SyntaxProblem(ValueError):
    """A file that does not parse."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def load_sources(
    project: Project, unit: Unit | None = None, vocabulary: Sources | None = None
) -> Sources:
    """Parse the project's data files; a file that fails is reported, not raised.

    With `unit`, only its texts and facts, besides the ontology and shapes; with `vocabulary`,
    those come parsed already (and their problems with them).
    """
    sources = Sources()
    if vocabulary is None:
        groups = [
            (sources.ontology, project.ontology_files(), False),
            (sources.shapes, project.shape_files(), False),
        ]
    else:
        sources.ontology, sources.shapes = vocabulary.ontology, vocabulary.shapes
        sources.problems = list(vocabulary.problems)
        groups = []
    groups += [
        (sources.texts, list(unit.texts) if unit is not None else project.text_files(), True),
        (sources.facts, list(unit.facts) if unit is not None else project.fact_files(), True),
    ]
    for bucket, paths, data in groups:
        for path in paths:
            try:
                parsed = parse_file(path, project.root)
            except SyntaxProblem as failure:
                sources.problems.append(failure.problem)
                continue
            if data:  # the ontology and shapes stay as written: OWL wants its own datatypes
                as_engine_stores(parsed.dataset)
            bucket.append(parsed)
    return sources
