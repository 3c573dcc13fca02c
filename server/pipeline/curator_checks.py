"""Rules for the mistakes a curator makes in a facts file, each pointing at the line to fix and,
where the data has one, the name the curator probably meant.

A fact cited to a sentence the source does not have, a misspelt IRI that silently makes a new
node, and a literal of the wrong datatype all parse and reason without complaint: these rules
catch them before the build.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ..authoring.turtle_format import declared_prefixes
from ..curie import prefixed_names, turtle_name
from ..project import BACKGROUND_NS, ID_NS, ONTOLOGY_GRAPH, SOURCE_NS, STATEMENT_NS, source_iri
from ..vocab import NIF
from .assemble import Assembly
from .loading import SourceFile, Sources
from .locations import line_in_graph
from .problems import Problem
from .units import OTHER_SOURCES_GRAPH

# IRIs the curator does not describe: segments come from the text file, statements from the build
UNDESCRIBED = (SOURCE_NS, STATEMENT_NS, BACKGROUND_NS)
NAMING = (RDF.type, RDFS.label, SKOS.altLabel)


def _facts_graphs(file: SourceFile) -> Iterator[tuple[str, Graph]]:
    for graph in file.named_graphs():
        yield str(graph.identifier), graph


def _suggest(wanted: str, candidates: list[str], labels: dict[str, str] | None = None) -> str:
    """A did-you-mean clause: the nearest names by spelling, then by label."""
    near = difflib.get_close_matches(wanted, candidates, n=3, cutoff=0.6)
    if labels:
        words = wanted.rsplit("/", 1)[-1].replace("-", " ").lower()
        by_label = difflib.get_close_matches(words, list(labels), n=3, cutoff=0.5)
        near += [labels[label] for label in by_label if labels[label] not in near]
    return f"; did you mean {', '.join(turtle_name(n) for n in near[:4])}?" if near else ""


def check_fact_graphs(sources: Sources, assembly: Assembly) -> list[Problem]:
    """Every graph of a facts file named after a segment names one its source's text has."""
    problems = []
    segments = {str(s) for s in assembly.dataset.subjects(NIF.referenceContext, None)}
    for file in sources.facts:
        prefix = source_iri(file.path.stem) + "/"
        known = sorted((s for s in segments if s.startswith(prefix)), key=_text_order)
        citable = [k for k in known if "-s" in k or k.endswith(("/title", "/byline"))]
        for name, _ in _facts_graphs(file):
            if not name.startswith(prefix) or name in citable:
                continue
            near = difflib.get_close_matches(name, citable, n=3, cutoff=0.6)
            message = (
                f"{_written(file, name)} is not a sentence, the title or the byline of "
                f"{turtle_name(prefix[:-1])}: "
                f"its text has {_segment_summary(known, prefix)}"
                + (f"; did you mean {', '.join(_written(file, n) for n in near)}?" if near else "")
            )
            line = file.line_of(name)
            problems.append(Problem(file.name, line, "fact-graph", name, message))
    return problems


def _text_order(iri: str) -> tuple[int, ...]:
    """p2-s10 after p2-s9: the numbers of a segment's name, compared as numbers."""
    return tuple(int(n) for n in re.findall(r"\d+", iri.rsplit("/", 1)[-1]))


def _written(file: SourceFile, iri: str) -> str:
    """`iri` as the file writes it, with its own prefixes (`s:p1-s2`)."""
    names = prefixed_names(iri, declared_prefixes(file.text))
    return names[0] if names else turtle_name(iri)


def _segment_summary(known: list[str], prefix: str) -> str:
    local = [k.removeprefix(prefix) for k in known]
    sentences = [name for name in local if "-s" in name]
    return (
        f"{len(sentences)} sentences, {sentences[0]} to {sentences[-1]}"
        if sentences
        else ("no sentences (is triples/sources/ missing its .ttl?)")
    )


def check_unknown_iris(sources: Sources, assembly: Assembly) -> list[Problem]:
    """Every IRI of the project's individuals that a fact uses is typed or labelled somewhere:
    a misspelt one (`actor:us-govt`) would otherwise become a new, nameless node."""
    data = assembly.dataset
    described = {str(s) for p in NAMING for s in data.subjects(p, None)}
    described |= {str(s) for s in data.graph(URIRef(OTHER_SOURCES_GRAPH)).subjects()}
    labels = {
        str(label).lower(): str(s)
        for s, label in data.subject_objects(RDFS.label)
        if str(s).startswith(ID_NS) and not str(s).startswith(UNDESCRIBED)
    }
    candidates = sorted({*described, *labels.values()})
    problems, seen = [], set()
    for file in sources.facts:
        for name, graph in _facts_graphs(file):
            for term in _individuals(graph):
                if term in described or (file.name, term) in seen:
                    continue
                seen.add((file.name, term))
                same_kind = [c for c in candidates if c.rsplit("/", 1)[0] == term.rsplit("/", 1)[0]]
                message = (
                    f"{turtle_name(term)} is used but never typed or labelled: give it a type "
                    "and an rdfs:label, or fix its name" + _suggest(term, same_kind, labels)
                )
                line = line_in_graph(file, name, term) or file.line_of(term)
                problems.append(Problem(file.name, line, "unknown-iri", term, message))
    return problems


def _individuals(graph: Graph) -> Iterator[str]:
    for s, _, o in graph:
        for term in (s, o):
            text = str(term)
            if (
                isinstance(term, URIRef)
                and text.startswith(ID_NS)
                and not text.startswith(UNDESCRIBED)
            ):
                yield text


def check_literal_ranges(sources: Sources, assembly: Assembly) -> list[Problem]:
    """Every literal fits the range its property declares: the datatype (`xsd:gYear`,
    `xsd:date`, ...) and its lexical form, or a language tag for `rdf:langString`; a property
    of the ontology that relates resources takes no literal."""
    ontology = assembly.graph(ONTOLOGY_GRAPH)
    ranges = {
        p: ontology.value(p, RDFS.range) for p in ontology.subjects(RDF.type, OWL.DatatypeProperty)
    }
    object_properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty))
    problems = []
    for file in sources.facts:
        for name, graph in _facts_graphs(file):
            for s, p, o in graph:
                if not isinstance(o, Literal):
                    continue
                why = _misfit(p, o, ranges, object_properties)
                if why is None:
                    continue
                line = line_in_graph(file, name, str(s)) if isinstance(s, URIRef) else None
                message = f"{turtle_name(str(p))} {o.n3()}: {why}"
                problems.append(Problem(file.name, line, "literal-range", str(s), message))
    return problems


def _misfit(prop: URIRef, value: Literal, ranges: dict, object_properties: set) -> str | None:
    if prop in object_properties:
        return f"{turtle_name(str(prop))} relates two resources: its value is an IRI, not a literal"
    expected = ranges.get(prop)
    if expected is None or expected == RDFS.Literal:
        return None
    if expected == RDF.langString:
        return (
            None
            if value.language
            else (f'the range is a language-tagged string: write "{value}"@en')
        )
    return _datatype_misfit(value, expected)


def _datatype_misfit(value: Literal, expected: URIRef) -> str | None:
    if value.datatype != expected:
        written = value.datatype or "http://www.w3.org/2001/XMLSchema#string"
        shown = "a language-tagged string" if value.language else turtle_name(str(written))
        return f"the range is {turtle_name(str(expected))}, but the value is {shown}" + _example(
            expected
        )
    if value.ill_typed:
        return f"{str(value)!r} is not a valid {turtle_name(str(expected))}" + _example(expected)
    return None


EXAMPLES = {
    "gYear": '"2007"^^xsd:gYear',
    "date": '"2007-07-29"^^xsd:date',
    "gMonthDay": '"--07-29"^^xsd:gMonthDay',
    "boolean": "true or false",
    "integer": "a whole number such as 10",
}


def _example(datatype: URIRef) -> str:
    local = str(datatype).rsplit("#", 1)[-1]
    return f" (for example {EXAMPLES[local]})" if local in EXAMPLES else ""
