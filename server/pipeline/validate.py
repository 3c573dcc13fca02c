"""The rules a project must pass before it is built, each reported with file, line and resource."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

from ..project import STATEMENT_NS, Project
from ..query_files import read_query
from ..vocab import AKG, NIF
from .assemble import Assembly
from .clashes import check_disjoint_classes, check_functional_values
from .curator_checks import check_fact_graphs, check_literal_ranges, check_unknown_iris
from .loading import Sources
from .locations import locate_description, locate_statement, short
from .problems import Problem, relative
from .quads import to_oxigraph

EXEMPT_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
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
        message = f"{short(path) if path is not None else ''} {text}".strip()
        if str(focus).startswith(STATEMENT_NS):
            where, line, resource, fact = locate_statement(assembly, sources, URIRef(focus))
            message += f" (fact: {fact})"
        else:
            files, resource = sources.texts + sources.facts + sources.ontology, focus
            where, line = sources.locate(str(focus), files)
        problems.append(Problem(where, line, rule, str(resource), message))
    return problems


def check_queries(
    project: Project,
    store: ox.Store,
    sources: Sources | None = None,
    assembly: Assembly | None = None,
) -> list[Problem]:
    """Every `queries/checks/*-violation.rq` returns no rows; each row is one problem.

    With `sources`, a problem points at where its row's first resource is written, so that an
    individual with two labels or a citation of the boilerplate names the line to fix; a
    generated statement stands for its fact, written in its sentence's graph (with `assembly`).
    """
    problems = []
    for path in project.check_queries():
        query = read_query(path)
        for row in store.query(query.text, use_default_graph_as_union=True):
            values = [row[i] for i in range(len(row))]
            resource = next((v.value for v in values if isinstance(v, ox.NamedNode)), None)
            shown = ", ".join(str(v) for v in values if v is not None)
            message = f"{query.summary}: {shown}"
            where, line = relative(path, project.root), None
            if sources is not None and resource is not None:
                if assembly is not None and resource.startswith(STATEMENT_NS):
                    found, line, subject, fact = locate_statement(
                        assembly, sources, URIRef(resource)
                    )
                    resource, message = str(subject), f"{query.summary}: {fact}"
                else:
                    found, line = locate_description(sources, resource)
                where = found if line is not None else where
            problems.append(Problem(where, line, path.stem, resource, message))
    return problems


def check_assembly(project: Project, sources: Sources, assembly: Assembly) -> list[Problem]:
    """Every rule but the reasoner's, on parsed and assembled data."""
    problems = [*sources.problems, *assembly.problems]
    problems += check_declared_terms(sources)
    problems += check_offsets(assembly, sources, project.root)
    problems += check_shapes(assembly, sources)
    problems += check_fact_graphs(sources, assembly)
    problems += check_unknown_iris(sources, assembly)
    problems += check_literal_ranges(sources, assembly)
    problems += check_disjoint_classes(sources, assembly)
    problems += check_functional_values(sources, assembly)
    problems += check_queries(project, to_oxigraph(assembly.dataset), sources, assembly)
    return problems
