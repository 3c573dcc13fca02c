"""The rules a project must pass before it is built, each reported with file, line and resource."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SH, XSD

from ..project import PROVENANCE_GRAPH, SOURCE_NS, Project
from ..query_files import read_query
from ..vocab import AKG, NIF
from .assemble import Assembly
from .loading import Sources
from .problems import Problem, relative
from .quads import to_oxigraph

EXEMPT_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
WRITTEN_AT = " (written at "  # where a check query's resource is written, after its message
DECLARATIONS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@dataclass
class Coverage:
    """How many body sentences of each paragraph support at least one asserted fact.

    `documents` holds the same per source, with whether it is complete: a source marked
    `akg:isComplete false` is still being curated, so its coverage is a warning, not an error.
    """

    paragraphs: dict[str, tuple[int, int]] = field(default_factory=dict)
    documents: dict[str, tuple[int, int, bool]] = field(default_factory=dict)

    def extend(self, other: Coverage) -> None:
        """Add the coverage of other sources, checked apart (in another build unit)."""
        self.paragraphs.update(other.paragraphs)
        self.documents.update(other.documents)

    @property
    def covered(self) -> int:
        return sum(c for c, _ in self.paragraphs.values())

    @property
    def total(self) -> int:
        return sum(t for _, t in self.paragraphs.values())

    @property
    def percent(self) -> float:
        return _percent(self.covered, self.total)

    def warnings(self) -> list[str]:
        """One line per source still being curated, with its coverage."""
        return [
            f"warning: source {document.removeprefix(SOURCE_NS)} is incomplete "
            f"(akg:isComplete false): {c}/{t} sentences covered, {_percent(c, t):.1f} %; "
            "set akg:isComplete true when every sentence states a fact"
            for document, (c, t, complete) in sorted(self.documents.items())
            if not complete
        ]

    def lines(self) -> list[str]:
        rows = [
            f"  {paragraph.removeprefix(SOURCE_NS)}: {c}/{t} sentences, {_percent(c, t):.1f} %"
            for paragraph, (c, t) in sorted(self.paragraphs.items(), key=_paragraph_order)
        ]
        rows += [f"  {warning}" for warning in self.warnings()]
        rows.append(f"  total: {self.covered}/{self.total} sentences, {self.percent:.1f} %")
        return rows


def _percent(covered: int, total: int) -> float:
    return 100.0 * covered / total if total else 100.0


def _paragraph_order(item: tuple[str, tuple[int, int]]) -> tuple[str, int]:
    head, _, number = item[0].rpartition("/p")
    return head, int(number) if number.isdigit() else 0


def is_complete(data: Graph, document: URIRef) -> bool:
    """A source is complete unless its description says `akg:isComplete false`."""
    flag = data.value(document, AKG.isComplete)
    return not (isinstance(flag, Literal) and flag.toPython() is False)


def coverage(assembly: Assembly) -> Coverage:
    """Sentence coverage per paragraph and per source, from the text and provenance graphs."""
    data = assembly.dataset
    cited = set(assembly.graph(PROVENANCE_GRAPH).objects(None, PROV.wasDerivedFrom))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    documents: dict[URIRef, list[int]] = defaultdict(lambda: [0, 0])
    for sentence in set(data.subjects(RDF.type, NIF.Sentence)):
        paragraph = str(data.value(sentence, NIF.superString))
        document = data.value(sentence, NIF.referenceContext)
        for tally in (counts[paragraph], documents[document]):
            tally[1] += 1
            tally[0] += sentence in cited
    return Coverage(
        {p: (c, t) for p, (c, t) in counts.items()},
        {str(d): (c, t, is_complete(data, d)) for d, (c, t) in documents.items()},
    )


def check_offsets(assembly: Assembly, sources: Sources, root: Path) -> list[Problem]:
    """Every quoted segment text equals the slice of its source file at its offsets."""
    problems = []
    data = assembly.dataset
    texts: dict[URIRef, str | None] = {}
    for document in set(data.subjects(RDF.type, AKG.SourceDocument)):
        file = data.value(document, AKG.sourceFile)
        path = root / str(file)
        texts[document] = path.read_text("utf-8") if file and path.is_file() else None
        if texts[document] is None:
            where, line = sources.locate(str(document), sources.texts)
            problems.append(
                Problem(where, line, "offsets", str(document), f"source file {file} not found")
            )
        elif str(data.value(document, NIF.isString)) != texts[document]:
            where, line = sources.locate(str(document), sources.texts)
            message = f"nif:isString differs from the text of {file}"
            problems.append(Problem(where, line, "offsets", str(document), message))
    for segment, document in set(data.subject_objects(NIF.referenceContext)):
        text = texts.get(document)
        begin, end = data.value(segment, NIF.beginIndex), data.value(segment, NIF.endIndex)
        anchor = data.value(segment, NIF.anchorOf)
        if text is None or begin is None or end is None or anchor is None:
            continue
        actual = text[int(begin) : int(end)]
        if actual != str(anchor):
            where, line = sources.locate(str(segment), sources.texts)
            message = (
                f"text at offsets {int(begin)}-{int(end)} is {actual[:60]!r}, "
                f"but nif:anchorOf says {str(anchor)[:60]!r}"
            )
            problems.append(Problem(where, line, "offsets", str(segment), message))
    return problems


def check_declared_terms(sources: Sources) -> list[Problem]:
    """Every class and property used in `triples/` is declared in `ontology/`."""
    declared = set()
    for module in sources.ontology:
        for kind in DECLARATIONS:
            declared.update(module.merged().subjects(RDF.type, kind))
    problems = []
    for file in sources.texts + sources.facts:
        used: set[URIRef] = set()
        for graph in file.graphs():
            used.update(p for p in graph.predicates() if isinstance(p, URIRef))
            used.update(c for c in graph.objects(None, RDF.type) if isinstance(c, URIRef))
        for term in sorted(used - declared):
            if not str(term).startswith(EXEMPT_NAMESPACES):
                message = "term is used here but not declared in ontology/"
                problems.append(
                    Problem(file.name, file.line_of(term), "declared-terms", str(term), message)
                )
    return problems


def check_shapes(assembly: Assembly, sources: Sources) -> list[Problem]:
    """The dataset (ontology and all graphs, merged) conforms to `ontology/shapes/`."""
    shapes = Graph()
    for file in sources.shapes:
        shapes += file.merged()
    if not len(shapes):
        return []
    data = Graph()
    for graph in assembly.dataset.graphs():
        data += graph
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True, allow_warnings=True)
    problems = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        shape = report.value(result, SH.sourceShape)
        shape = shapes.value(None, SH.property, shape) or shape
        text = report.value(result, SH.resultMessage)
        where, line = sources.locate(str(focus), sources.texts + sources.facts + sources.ontology)
        rule = "shacl:" + (str(shape).rsplit("/", 1)[-1] if isinstance(shape, URIRef) else "shape")
        message = f"{path.n3() if path is not None else ''} {text}".strip()
        problems.append(Problem(where, line, rule, str(focus), message))
    return problems


def check_queries(
    project: Project, store: ox.Store, sources: Sources | None = None
) -> list[Problem]:
    """Every `queries/checks/*-violation.rq` returns no rows; each row is one problem.

    With `sources`, the message also says where the row's first resource is written, so that
    an individual in two disjoint classes or an unsatisfiable class points at its file and line.
    """
    problems = []
    for path in project.check_queries():
        query = read_query(path)
        for row in store.query(query.text, use_default_graph_as_union=True):
            values = [row[i] for i in range(len(row))]
            resource = next((v.value for v in values if isinstance(v, ox.NamedNode)), None)
            shown = ", ".join(str(v) for v in values if v is not None)
            message = f"{query.summary}: {shown}"
            if sources is not None and resource is not None:
                where, line = sources.locate(resource, sources.facts + sources.ontology)
                if line is not None:
                    message += f"{WRITTEN_AT}{where}:{line})"
            problems.append(
                Problem(relative(path, project.root), None, path.stem, resource, message)
            )
    return problems


def check_assembly(project: Project, sources: Sources, assembly: Assembly) -> list[Problem]:
    """Every rule but the reasoner's, on parsed and assembled data."""
    problems = [*sources.problems, *assembly.problems]
    problems += check_declared_terms(sources)
    problems += check_offsets(assembly, sources, project.root)
    problems += check_shapes(assembly, sources)
    problems += check_queries(project, to_oxigraph(assembly.dataset), sources)
    return problems
