"""Where a resource or a fact is written in the project's files, for problems that name the
line to fix: a curator edits the fact in its sentence's graph, not the generated statement."""

from __future__ import annotations

import re

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import PROV, RDF

from ..authoring.turtle_format import declared_prefixes
from ..curie import prefixed_names, turtle_name
from ..project import PROVENANCE_GRAPH
from .assemble import Assembly
from .loading import SourceFile, Sources


def locate_statement(
    assembly: Assembly, sources: Sources, statement: URIRef
) -> tuple[str, int | None, URIRef, str]:
    """Where the fact of a reified statement is written, its subject, and the fact in short.

    A curator edits the fact, not its generated statement: so the line is the subject's in the
    graph of a segment that states it, else the subject's first line anywhere.
    """
    provenance = assembly.graph(PROVENANCE_GRAPH)
    triple = [provenance.value(statement, p) for p in (RDF.subject, RDF.predicate, RDF.object)]
    fact = " ".join(short(term) for term in triple)
    subject = triple[0]
    if not isinstance(subject, URIRef):
        return "(dataset)", None, statement, fact
    for segment in sorted(provenance.objects(statement, PROV.wasDerivedFrom)):
        for file in sources.facts:
            if (line := line_in_graph(file, str(segment), str(subject))) is not None:
                return file.name, line, subject, fact
    where, line = sources.locate(str(subject), sources.facts + sources.texts + sources.ontology)
    return where, line, subject, fact


def short(term: object) -> str:
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


def description_line(file: SourceFile, iri: str) -> int | None:
    """The first line where `iri` starts a description (alone on its line, as `fmt` writes a
    subject, in a graph or not), else the first line naming it."""
    subject = re.compile(r"^\s*" + name_pattern(iri, declared_prefixes(file.text)) + r"\s*$")
    for number, line in enumerate(file.text.splitlines(), start=1):
        if subject.match(line):
            return number
    return file.line_of(iri)


def locate_description(sources: Sources, iri: str) -> tuple[str, int | None]:
    """The facts or ontology file, and line, where `iri` is first described."""
    for file in sources.facts + sources.ontology:
        if file.line_of(iri) is not None:
            return file.name, description_line(file, iri)
    return "(dataset)", None
