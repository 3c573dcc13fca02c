"""The dataset's VoID statistics, counted once and kept in the dataset itself.

Counting at query time visits every matching quad (Oxigraph counts about three million a
second; Virtuoso reads its column indexes), so the figures VoID, the home page and the counting
examples show are counted once instead: by the build as it writes the dataset, and by the
embedded store after an update. They sit in `STATISTICS_GRAPH`, which describes every other
graph and stays out of the default graph's union, so that counting the union still counts data:

- the dataset: distinct triples of the union, classes, properties, and its entities (typed
  resources of the project's namespace that are neither a source's text nor a statement);
- its class partitions (distinct instances) and property partitions (distinct triples);
- each named graph as a subset with its size; the ontology, background, provenance and
  inferred graphs also with their own class and property partitions;
- the stated facts, every source's graph together (`STATED`), with their property partitions:
  each stated fact is reified by one assertion, so these are also the assertions by predicate.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import RDF, VOID, XSD

from ..project import (
    BACKGROUND_GRAPH,
    GRAPH_NS,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PROVENANCE_GRAPH,
    is_entity,
    source_graph,
)

STATISTICS_GRAPH = GRAPH_NS + "statistics"
DATASET = STATISTICS_GRAPH + "#dataset"
STATISTICS = ox.NamedNode(STATISTICS_GRAPH)  # as the engine names the graph
STATED = DATASET + "-stated"
SOURCE_GRAPHS = source_graph("")
SD_NAME = "http://www.w3.org/ns/sparql-service-description#name"
PARTITIONED_GRAPHS = frozenset({ONTOLOGY_GRAPH, BACKGROUND_GRAPH, PROVENANCE_GRAPH, INFERRED_GRAPH})
TYPE = ox.NamedNode(str(RDF.type))


@dataclass
class Partitions:
    """Distinct triples by property, distinct instances by class, of one graph or the union;
    keyed by the engine's terms, read as IRIs only when written."""

    properties: Counter[ox.NamedNode] = field(default_factory=Counter)
    classes: Counter[ox.NamedNode] = field(default_factory=Counter)

    def add(self, quad: ox.Quad) -> None:
        predicate = quad.predicate
        self.properties[predicate] += 1
        if predicate == TYPE and isinstance(quad.object, ox.NamedNode):
            self.classes[quad.object] += 1


@dataclass
class Tally:
    """Counts quads as they stream past (distinct quads: a build's, or a store's). A triple
    held by several graphs counts once in the union, where the default graph's triples (what
    updates wrote there) count too. The triples seen are kept as 64-bit hashes (the engine's,
    the same in every process; about 70 bytes a distinct triple while counting), so two
    distinct triples could count once if their hashes met: a chance of about one in 300,000
    at ten million triples."""

    union: Partitions = field(default_factory=Partitions)
    graphs: Counter[str] = field(default_factory=Counter)
    partitioned: dict[str, Partitions] = field(default_factory=dict)
    stated: Partitions = field(default_factory=Partitions)
    seen: set[int] = field(default_factory=set)
    entities: set[ox.NamedNode] = field(default_factory=set)
    _graph: object = None  # the last quad's graph: a build's quads come graph by graph
    _name: str | None = None  # None: the default graph, which counts in the union only
    _skip: bool = False  # the statistics graph itself
    _partitions: Partitions | None = None

    def _enter(self, graph: object) -> None:
        self._graph = graph
        name = graph.value if isinstance(graph, ox.NamedNode) else None
        self._name, self._skip = name, name == STATISTICS_GRAPH
        if name in PARTITIONED_GRAPHS:
            self._partitions = self.partitioned.setdefault(name, Partitions())
        elif name is not None and name.startswith(SOURCE_GRAPHS):
            self._partitions = self.stated
        else:
            self._partitions = None

    def add(self, quad: ox.Quad) -> None:
        graph = quad.graph_name
        if graph != self._graph:
            self._enter(graph)
        if self._skip:
            return
        if self._name is not None:
            self.graphs[self._name] += 1
            if self._partitions is not None:
                self._partitions.add(quad)
        key = hash(quad.triple)
        if key in self.seen:
            return
        self.seen.add(key)
        self.union.add(quad)
        subject = quad.subject
        if (
            quad.predicate == TYPE
            and isinstance(subject, ox.NamedNode)
            and is_entity(subject.value)
        ):
            self.entities.add(subject)

    def extend(self, quads: Iterable[ox.Quad]) -> Tally:
        for quad in quads:
            self.add(quad)
        return self

    def quads(self) -> list[ox.Quad]:
        """The statistics graph, in a fixed order: the same counts give the same bytes."""
        dataset = node(DATASET)
        written = [
            (dataset, RDF.type, node(VOID.Dataset)),
            (dataset, VOID.triples, integer(len(self.seen))),
            (dataset, VOID.entities, integer(len(self.entities))),
            (dataset, VOID.classes, integer(len(self.union.classes))),
            (dataset, VOID.properties, integer(len(self.union.properties))),
            *_partitions(dataset, self.union),
        ]
        stated = node(STATED)
        written += [
            (dataset, VOID.subset, stated),
            (stated, RDF.type, node(VOID.Dataset)),
            (stated, VOID.triples, integer(self.stated.properties.total())),
            *_partitions(stated, self.stated),
        ]
        for graph, triples in sorted(self.graphs.items()):
            subset = node(f"{DATASET}-graph-{_digest(graph)}")
            written += [
                (dataset, VOID.subset, subset),
                (subset, RDF.type, node(VOID.Dataset)),
                (subset, SD_NAME, ox.NamedNode(graph)),
                (subset, VOID.triples, integer(triples)),
            ]
            if graph in self.partitioned:
                written += _partitions(subset, self.partitioned[graph])
        return [ox.Quad(s, node(p), o, node(STATISTICS_GRAPH)) for s, p, o in written]


def _partitions(owner: ox.NamedNode, parts: Partitions) -> Iterator[tuple]:
    base = owner.value
    for term, instances in sorted(parts.classes.items(), key=_by_iri):
        part = node(f"{base}-class-{_digest(term.value)}")
        yield owner, VOID.classPartition, part
        yield part, VOID["class"], term
        yield part, VOID.entities, integer(instances)
    for term, triples in sorted(parts.properties.items(), key=_by_iri):
        part = node(f"{base}-property-{_digest(term.value)}")
        yield owner, VOID.propertyPartition, part
        yield part, VOID.property, term
        yield part, VOID.triples, integer(triples)


def _by_iri(item: tuple[ox.NamedNode, int]) -> str:
    return item[0].value


def _digest(iri: str) -> str:
    return hashlib.blake2b(iri.encode(), digest_size=6).hexdigest()


def node(iri: object) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def integer(value: object) -> ox.Literal:
    return ox.Literal(str(value), datatype=node(XSD.integer))
