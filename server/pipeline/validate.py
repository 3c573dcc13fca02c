"""The rules a project must pass before it is built, each reported with file, line and resource."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SH, XSD

from ..authoring.turtle_format import declared_prefixes
from ..curie import prefixed_names, turtle_name
from ..project import PROVENANCE_GRAPH, STATEMENT_NS, Project
from ..query_files import read_query
from ..vocab import AKG, NIF
from .assemble import Assembly
from .loading import SourceFile, Sources
from .problems import Problem, relative
from .quads import to_oxigraph

EXEMPT_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
WRITTEN_AT = " (written at "  # where a check query's resource is written, after its message
DECLARATIONS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


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
        rule = "shacl:" + (str(shape).rsplit("/", 1)[-1] if isinstance(shape, URIRef) else "shape")
        message = f"{_short(path) if path is not None else ''} {text}".strip()
        if str(focus).startswith(STATEMENT_NS):
            where, line, resource, fact = locate_statement(assembly, sources, URIRef(focus))
            message += f" (fact: {fact})"
        else:
            files, resource = sources.texts + sources.facts + sources.ontology, focus
            where, line = sources.locate(str(focus), files)
        problems.append(Problem(where, line, rule, str(resource), message))
    return problems


def locate_statement(
    assembly: Assembly, sources: Sources, statement: URIRef
) -> tuple[str, int | None, URIRef, str]:
    """Where the fact of a reified statement is written, its subject, and the fact in short.

    A curator edits the fact, not its generated statement: so the line is the subject's in the
    graph of a segment that states it, else the subject's first line anywhere.
    """
    provenance = assembly.graph(PROVENANCE_GRAPH)
    triple = [provenance.value(statement, p) for p in (RDF.subject, RDF.predicate, RDF.object)]
    fact = " ".join(_short(term) for term in triple)
    subject = triple[0]
    if not isinstance(subject, URIRef):
        return "(dataset)", None, statement, fact
    for segment in sorted(provenance.objects(statement, PROV.wasDerivedFrom)):
        for file in sources.facts:
            if (line := line_in_graph(file, str(segment), str(subject))) is not None:
                return file.name, line, subject, fact
    where, line = sources.locate(str(subject), sources.facts + sources.texts + sources.ontology)
    return where, line, subject, fact


def _short(term: object) -> str:
    """A term as a curator writes it: a prefixed name, a literal cut short; a path as SHACL's."""
    if isinstance(term, URIRef):
        return turtle_name(str(term))
    if isinstance(term, Literal):
        written = term.n3()
        return written if len(written) <= 60 else written[:57] + "..."
    return term.n3() if isinstance(term, BNode) else "?"


def line_in_graph(file: SourceFile, graph: str, iri: str) -> int | None:
    """The line inside a block of the named graph `graph` of a TriG file where `iri` starts a
    description, else the first line there that names it."""
    prefixes = declared_prefixes(file.text)
    opening = re.compile(rf"^\s*{name_pattern(graph, prefixes)}\s*\{{")
    named = re.compile(name_pattern(iri, prefixes))
    inside, mentioned = False, None
    for number, line in enumerate(file.text.splitlines(), start=1):
        if opening.match(line):
            inside = True
        elif inside and line.strip() == "}":
            inside = False
        elif inside and (found := named.search(line)):
            if not line[: found.start()].strip():
                return number
            mentioned = mentioned or number
    return mentioned


def declaration_line(file: SourceFile, iri: str) -> int | None:
    """The line where a Turtle file starts the description of `iri` (its name at the start of
    the line, as `fmt` writes subjects), else the first line naming it."""
    subject = re.compile("^" + name_pattern(iri, declared_prefixes(file.text)))
    for number, line in enumerate(file.text.splitlines(), start=1):
        if subject.match(line):
            return number
    return file.line_of(iri)


def name_pattern(iri: str, prefixes: dict[str, str]) -> str:
    """A regular expression for `iri` written in full or by a prefixed name, and no longer."""
    names = [f"<{iri}>", *prefixed_names(iri, prefixes)]
    return "(?:" + "|".join(re.escape(name) for name in names) + r")(?![\w-])"


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
