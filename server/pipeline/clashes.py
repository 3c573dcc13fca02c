"""Explain what makes the ontology and the facts inconsistent, fact by fact.

The reasoner only says that no model exists. A curator needs the triples to change: for two
disjoint classes, the fact that brings in each (a type, or a property whose domain or range is
the class); for a functional property, the two values. Each problem points at the line of one
of the facts and quotes the other with its own line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from ..curie import turtle_name
from ..project import ONTOLOGY_GRAPH
from .assemble import Assembly
from .loading import SourceFile, Sources
from .locations import line_in_graph
from .problems import Problem, written_at
from .units import OTHER_SOURCES_GRAPH

Triple = tuple[URIRef, URIRef, URIRef | Literal]


@dataclass(frozen=True)
class Written:
    """A fact of a facts file, and where it is written: the line is looked up only for the
    facts a problem quotes (a file has thousands of facts, and most checks find none)."""

    triple: Triple
    file: str
    graph: str | None = None
    source: SourceFile | None = field(default=None, compare=False, repr=False)

    @cached_property
    def line(self) -> int | None:
        if self.source is None or self.graph is None:
            return None
        return line_in_graph(self.source, self.graph, str(self.triple[0]))

    def quoted(self) -> str:
        return " ".join(_shown(term) for term in self.triple)


def _shown(term: URIRef | Literal) -> str:
    if term == RDF.type:
        return "a"
    return turtle_name(str(term)) if isinstance(term, URIRef) else term.n3()


def _via(axiom: str, prop: URIRef, cls: URIRef) -> str:
    return f", and the {axiom} of {turtle_name(str(prop))} is {turtle_name(str(cls))}"


@dataclass(frozen=True)
class Reason:
    """Why an individual belongs to a class: a fact, and the axiom that carries it there."""

    fact: Written
    via: str

    def __str__(self) -> str:
        written = written_at(self.fact.file, self.fact.line) if self.fact.line else ""
        return f"{self.fact.quoted()}{written}{self.via}"


def written_facts(sources: Sources) -> Iterator[Written]:
    for file in sources.facts:
        for graph in file.named_graphs():
            name = str(graph.identifier)
            for triple in graph:
                yield Written(triple, file.name, name, file)


def _superclasses(ontology: Graph) -> dict[URIRef, set[URIRef]]:
    direct: dict[URIRef, set[URIRef]] = defaultdict(set)
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sup, URIRef):
            direct[sub].add(sup)
    closure: dict[URIRef, set[URIRef]] = {}

    def up(cls: URIRef) -> set[URIRef]:
        if cls not in closure:
            closure[cls] = {cls}
            for parent in direct.get(cls, ()):
                closure[cls] |= up(parent)
        return closure[cls]

    for cls in list(direct):
        up(cls)
    return defaultdict(set, closure)


def _axiom_classes(ontology: Graph, axiom: URIRef) -> dict[URIRef, set[URIRef]]:
    """The declared domain or range of each property, inherited along sub-properties."""
    declared = {p: c for p, c in ontology.subject_objects(axiom) if isinstance(c, URIRef)}
    result: dict[URIRef, set[URIRef]] = defaultdict(set)
    for prop in set(ontology.subjects(RDF.type, None)):
        seen, todo = set(), [prop]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if current in declared:
                result[prop].add(declared[current])
            todo += [p for p in ontology.objects(current, RDFS.subPropertyOf)]
    return result


def _disjoint_pairs(ontology: Graph) -> set[frozenset[URIRef]]:
    pairs = {frozenset(p) for p in ontology.subject_objects(OWL.disjointWith)}
    for axiom in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members = ontology.value(axiom, OWL.members)
        if members is not None:
            pairs |= {frozenset(p) for p in combinations(Collection(ontology, members), 2)}
    return {p for p in pairs if len(p) == 2}


def _reasons(ontology: Graph, facts: list[Written]) -> dict[URIRef, dict[URIRef, Reason]]:
    """For each individual, each class it belongs to with the first fact that puts it there."""
    supers = _superclasses(ontology)
    domains = _axiom_classes(ontology, RDFS.domain)
    ranges = _axiom_classes(ontology, RDFS.range)
    placed: dict[URIRef, dict[URIRef, Reason]] = defaultdict(dict)

    def place(individual: object, cls: URIRef, reason: Reason) -> None:
        if isinstance(individual, URIRef):
            for above in supers[cls] | {cls}:
                placed[individual].setdefault(above, reason)

    for fact in facts:
        s, p, o = fact.triple
        if p == RDF.type and isinstance(o, URIRef):
            place(s, o, Reason(fact, ""))
        for cls in domains.get(p, ()):
            place(
                s,
                cls,
                Reason(
                    fact, f", and the domain of {turtle_name(str(p))} is {turtle_name(str(cls))}"
                ),
            )
        for cls in ranges.get(p, ()):
            place(
                o,
                cls,
                Reason(
                    fact, f", and the range of {turtle_name(str(p))} is {turtle_name(str(cls))}"
                ),
            )
    return placed


@dataclass(frozen=True)
class Clash:
    """An individual in two disjoint classes, and the fact behind each."""

    individual: URIRef
    first: URIRef
    second: URIRef
    because_first: Reason
    because_second: Reason


def clashes(ontology: Graph, facts: list[Written]) -> Iterator[Clash]:
    """Every pair of disjoint classes some individual of `facts` falls in."""
    pairs = sorted(sorted(pair) for pair in _disjoint_pairs(ontology))
    for individual, classes in sorted(_reasons(ontology, facts).items()):
        for first, second in pairs:
            if first in classes and second in classes:
                yield Clash(individual, first, second, classes[first], classes[second])


def unwritten(graph: Graph) -> list[Written]:
    """Facts held only in memory (an extension's additions), with no file to point at."""
    return [Written(triple, "(added)") for triple in graph]


def check_disjoint_classes(sources: Sources, assembly: Assembly) -> list[Problem]:
    """An individual the facts place in two disjoint classes, with the fact behind each; the
    facts include what other build units say of the entities this one mentions."""
    facts = list(written_facts(sources))
    facts += [
        Written(triple, "(another build unit)") for triple in assembly.graph(OTHER_SOURCES_GRAPH)
    ]
    problems = []
    for clash in clashes(assembly.graph(ONTOLOGY_GRAPH), facts):
        message = (
            f"{turtle_name(str(clash.individual))} is both a {turtle_name(str(clash.first))} "
            f"({clash.because_first}) and a {turtle_name(str(clash.second))} "
            f"({clash.because_second}), which are disjoint: change the type or the property "
            "of one of these facts"
        )
        fact = min((clash.because_first.fact, clash.because_second.fact), key=_unwritten_last)
        problems.append(
            Problem(fact.file, fact.line, "disjoint-types", str(clash.individual), message)
        )
    return problems


def _unwritten_last(fact: Written) -> bool:
    return fact.line is None


def check_functional_values(sources: Sources, assembly: Assembly) -> list[Problem]:
    """A functional datatype property with two different values on one individual."""
    ontology = assembly.graph(ONTOLOGY_GRAPH)
    functional = set(ontology.subjects(RDF.type, OWL.FunctionalProperty)) & set(
        ontology.subjects(RDF.type, OWL.DatatypeProperty)
    )
    values: dict[tuple, list[Written]] = defaultdict(list)
    for fact in written_facts(sources):
        s, p, o = fact.triple
        if p in functional and all(o != f.triple[2] for f in values[(s, p)]):
            values[(s, p)].append(fact)
    problems = []
    for (s, p), facts in sorted(values.items()):
        if len(facts) < 2:
            continue
        quoted = "; ".join(f"{f.quoted()}{written_at(f.file, f.line)}" for f in facts)
        message = (
            f"{turtle_name(str(p))} is functional, one value per individual, but "
            f"{turtle_name(str(s))} has {len(facts)}: {quoted}"
        )
        problems.append(Problem(facts[1].file, facts[1].line, "functional-values", str(s), message))
    return problems
