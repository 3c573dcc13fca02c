"""What `alliance-kg diff` compares of one version: terms with what a reviewer reads of them,
individuals, facts with the sentences that state them and their claims, sources with their
coverage, provenance statements, and, for a build, the inferred graph and the manifest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from ..curie import turtle_name
from ..project import (
    BACKGROUND_GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PROVENANCE_GRAPH,
    SOURCE_NS,
    source_graph,
    source_iri,
    text_graph,
)
from ..vocab import AKG, NIF, PREFIXES
from .assemble import Assembly
from .coverage import coverage

CLASS_KINDS = (OWL.Class,)
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
CLAIM_PROPERTIES = (AKG.partOfClaim, AKG.claimKind, AKG.factuality, AKG.accordingTo)
STATEMENT_KINDS = (AKG.Assertion, AKG.BackgroundAssertion)
TERM_DETAILS = (
    ("subclass of", RDFS.subClassOf),
    ("subproperty of", RDFS.subPropertyOf),
    ("domain", RDFS.domain),
    ("range", RDFS.range),
    ("inverse of", OWL.inverseOf),
    ("replaced by", DCTERMS.isReplacedBy),
)
RESTRICTIONS = (
    ("some", OWL.someValuesFrom),
    ("only", OWL.allValuesFrom),
    ("value", OWL.hasValue),
    ("min", OWL.minCardinality),
    ("max", OWL.maxCardinality),
    ("exactly", OWL.cardinality),
    ("min", OWL.minQualifiedCardinality),
    ("max", OWL.maxQualifiedCardinality),
    ("exactly", OWL.qualifiedCardinality),
)
QUOTE_LIMIT = 160  # characters of a sentence or a basis that a diff quotes
BLANK = Literal("[ ]")  # a blank node, as a description shows it: restrictions compare by shape
NAMES = {**PREFIXES, "source": SOURCE_NS}
Term = URIRef | Literal
Triple = tuple[Term, Term, Term]
Pairs = frozenset[tuple[Term, Term]]
FactKey = tuple[URIRef, Triple]  # the asserted graph (a source's, or the background) and a triple


@dataclass(frozen=True)
class Fact:
    """Where a fact comes from: the segments (or `bg:` resources) that state it, and the
    claim its assertion is part of (`akg:partOfClaim`, kind, factuality, holder)."""

    segments: frozenset[URIRef] = frozenset()
    claims: Pairs = frozenset()


@dataclass(frozen=True)
class Quote:
    """What a reviewer reads of a segment or a background resource that states facts."""

    text: str
    basis: str = ""
    order: tuple[int, str, int] = (2, "", 0)  # sentences by source and offset, then background


@dataclass(frozen=True)
class SourceInfo:
    """A source document as the Sources section shows it."""

    title: str
    author: str
    sentences: int
    covered: int
    facts: int
    complete: bool


@dataclass(frozen=True)
class TermInfo:
    """A class or property as a reviewer reads it: label, definition, axioms in short."""

    label: str
    details: tuple[str, ...]
    deprecated: bool


@dataclass
class Snapshot:
    """The parts of one version that a diff compares, each with what describes it."""

    classes: dict[URIRef, Pairs] = field(default_factory=dict)
    properties: dict[URIRef, Pairs] = field(default_factory=dict)
    individuals: dict[URIRef, Pairs] = field(default_factory=dict)
    facts: dict[FactKey, Fact] = field(default_factory=dict)
    terms: dict[URIRef, TermInfo] = field(default_factory=dict)
    quotes: dict[URIRef, Quote] = field(default_factory=dict)
    sources: dict[URIRef, SourceInfo] = field(default_factory=dict)
    statements: dict[URIRef, Pairs] = field(default_factory=dict)
    notes: frozenset[Triple] = frozenset()  # the facts files' default graphs, in provenance
    inferred: frozenset[Triple] | None = None  # None: this side was not reasoned
    manifest: dict[str, Any] | None = None


def show(term: Term) -> str:
    """A term as a curator reads it: a prefixed name where a prefix fits."""
    if isinstance(term, URIRef):
        return turtle_name(term, NAMES)
    if isinstance(term, Literal) and term.datatype is not None:  # n3() ends "^^<datatype>"
        return term.n3().removesuffix(f"<{term.datatype}>") + turtle_name(term.datatype, NAMES)
    return term.n3()


def cut(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` on one line, cut at a word before `limit` characters, so a quote stays short."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def _plain(term: object) -> Term:
    return BLANK if isinstance(term, BNode) else term  # type: ignore[return-value]


def _descriptions(graph: Graph, subjects: set[URIRef]) -> dict[URIRef, Pairs]:
    return {
        subject: frozenset((_plain(p), _plain(o)) for p, o in graph.predicate_objects(subject))
        for subject in subjects
    }


def _english(graph: Graph, subject: object, prop: URIRef) -> str:
    values = [v for v in graph.objects(subject, prop) if isinstance(v, Literal)]  # type: ignore[arg-type]
    english = [v for v in values if v.language in (None, "en")] or values
    return str(min(english)) if english else ""


def expression(graph: Graph, node: object) -> str:
    """A class expression in short: a name, `(A or B)`, `(p some C)`; `[ ]` if none fits."""
    if not isinstance(node, BNode):
        return show(node)  # type: ignore[arg-type]
    for word, prop in (("or", OWL.unionOf), ("and", OWL.intersectionOf)):
        if (members := graph.value(node, prop)) is not None:
            parts = [expression(graph, m) for m in Collection(graph, members)]
            return "(" + f" {word} ".join(parts) + ")"
    if (prop := graph.value(node, OWL.onProperty)) is not None:
        for word, restriction in RESTRICTIONS:
            if (value := graph.value(node, restriction)) is not None:
                filler = graph.value(node, OWL.onClass)
                tail = f" {expression(graph, filler)}" if filler is not None else ""
                return f"({show(prop)} {word} {expression(graph, value)}{tail})"  # type: ignore[arg-type]
    return str(BLANK)


def term_info(ontology: Graph, term: URIRef) -> TermInfo:
    """The label, definition and axioms of a class or property that a reviewer checks."""
    details = []
    if definition := _english(ontology, term, SKOS.definition):
        details.append(f"definition: {definition}")
    for title, prop in TERM_DETAILS:
        values = sorted(expression(ontology, value) for value in ontology.objects(term, prop))
        if values:
            details.append(f"{title}: {', '.join(values)}")
    flag = ontology.value(term, OWL.deprecated)
    deprecated = isinstance(flag, Literal) and flag.toPython() is True
    return TermInfo(_english(ontology, term, RDFS.label), tuple(details), deprecated)


def _facts(asserted: dict[str, Graph], provenance: Graph) -> dict[FactKey, Fact]:
    """Every asserted fact, with the segments and claim its statement records."""
    facts = {(URIRef(name), triple): Fact() for name, g in asserted.items() for triple in g}
    for statement in provenance.subjects(AKG.assertedIn, None):
        triple = tuple(
            provenance.value(statement, p) for p in (RDF.subject, RDF.predicate, RDF.object)
        )
        key = (provenance.value(statement, AKG.assertedIn), triple)
        if key in facts:
            segments = frozenset(provenance.objects(statement, PROV.wasDerivedFrom))
            claims = frozenset(
                (p, o) for p in CLAIM_PROPERTIES for o in provenance.objects(statement, p)
            )
            facts[key] = Fact(segments, claims)  # type: ignore[arg-type, index]
    return facts


def _quotes(graphs: dict[str, Graph]) -> dict[URIRef, Quote]:
    """The text of every segment, and the label and basis of every background resource."""
    quotes = {}
    for name, graph in graphs.items():
        if not name.startswith(text_graph("")):
            continue
        slug = name.removeprefix(text_graph(""))
        for segment, text in graph.subject_objects(NIF.anchorOf):
            begin = graph.value(segment, NIF.beginIndex)
            offset = int(begin.toPython()) if isinstance(begin, Literal) else 0
            quotes[segment] = Quote(cut(str(text)), order=(0, slug, offset))
    provenance = graphs.get(PROVENANCE_GRAPH, Graph())
    for resource in provenance.subjects(RDF.type, AKG.BackgroundKnowledge):
        label = _english(provenance, resource, RDFS.label)
        basis = cut(_english(provenance, resource, AKG.basis))
        quotes[resource] = Quote(cut(label), basis, (1, str(resource), 0))
    return quotes


def _sources(dataset: Dataset, graphs: dict[str, Graph]) -> dict[URIRef, SourceInfo]:
    """Each source with a text graph: title, author, sentences, coverage and facts."""
    documents = coverage(Assembly(dataset=dataset)).documents
    sources = {}
    for name in graphs:
        if not name.startswith(text_graph("")):
            continue
        slug = name.removeprefix(text_graph(""))
        document = URIRef(source_iri(slug))
        title = dataset.value(document, DCTERMS.title) or dataset.value(document, RDFS.label)
        authors = sorted(
            _english(dataset, creator, RDFS.label) or show(creator)  # type: ignore[arg-type]
            for creator in set(dataset.objects(document, DCTERMS.creator))
        )
        covered, total, complete = documents.get(str(document), (0, 0, True))
        facts = len(graphs.get(source_graph(slug), ()))
        info = SourceInfo(str(title or ""), " and ".join(authors), total, covered, facts, complete)
        sources[document] = info
    return sources


def _provenance(provenance: Graph) -> tuple[dict[URIRef, Pairs], frozenset[Triple]]:
    """The reified statements, and the rest: what the facts files say of sources and of
    background resources."""
    statements = {s for kind in STATEMENT_KINDS for s in provenance.subjects(RDF.type, kind)}
    notes = frozenset((s, p, _plain(o)) for s, p, o in provenance if s not in statements)
    return _descriptions(provenance, statements), notes  # type: ignore[arg-type]


def snapshot(
    dataset: Dataset, reasoned: bool = False, manifest: dict[str, Any] | None = None
) -> Snapshot:
    """What a diff compares, from a dataset (with `default_union`) holding the build's graphs;
    the inferred graph counts only on a `reasoned` side."""
    graphs = {str(g.identifier): g for g in dataset.graphs() if len(g)}
    ontology = graphs.get(ONTOLOGY_GRAPH, Graph())
    provenance = graphs.get(PROVENANCE_GRAPH, Graph())
    asserted = {
        name: graph
        for name, graph in graphs.items()
        if name.startswith(source_graph("")) or name == BACKGROUND_GRAPH
    }
    union = Graph()
    for graph in asserted.values():
        union += graph

    def declared(kinds: tuple[URIRef, ...]) -> set[URIRef]:
        return {t for k in kinds for t in ontology.subjects(RDF.type, k) if isinstance(t, URIRef)}

    terms = declared(CLASS_KINDS) | declared(PROPERTY_KINDS)
    individuals = {s for s in union.subjects(RDF.type, None) if isinstance(s, URIRef)}
    statements, notes = _provenance(provenance)
    inferred = frozenset(
        (_plain(s), p, _plain(o)) for s, p, o in graphs.get(INFERRED_GRAPH, Graph())
    )
    return Snapshot(
        classes=_descriptions(ontology, declared(CLASS_KINDS)),
        properties=_descriptions(ontology, declared(PROPERTY_KINDS)),
        individuals=_descriptions(union, individuals),
        facts=_facts(asserted, provenance),
        terms={term: term_info(ontology, term) for term in terms},
        quotes=_quotes(graphs),
        sources=_sources(dataset, graphs),
        statements=statements,
        notes=notes,
        inferred=inferred if reasoned else None,
        manifest=manifest,
    )
