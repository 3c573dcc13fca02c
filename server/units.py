"""Cut a project's sources into build units, so that a build's memory follows the largest unit,
not the whole project; and give each unit what the other units say about the entities it names.

A unit is a run of sources (a text file and a facts file sharing a slug) whose files add up to
at most `UNIT_BYTES`; a project of a few essays is one unit. The build checks and reasons over
one unit at a time, with the ontology, and with the other units' facts about the entities the
unit mentions (their types, labels and relations), read from an on-disk index of every fact.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from .project import GRAPH_NS, ID_NS, Project, source_iri

UNIT_BYTES = 500_000  # about nine essays the size of the first one
OTHER_SOURCES_GRAPH = GRAPH_NS + "other-sources"  # what a unit reads from the others; never built


@dataclass(frozen=True)
class Unit:
    """The text and facts files of the sources checked and reasoned over together."""

    texts: tuple[Path, ...] = ()
    facts: tuple[Path, ...] = ()


def plan_units(project: Project, budget: int = UNIT_BYTES) -> list[Unit]:
    """Consecutive sources, by slug, in units of at most `budget` bytes (one source at least)."""
    texts = {path.stem: path for path in project.text_files()}
    facts = {path.stem: path for path in project.fact_files()}
    units: list[Unit] = []
    current, size = Unit(), 0
    for slug in sorted(texts.keys() | facts.keys()):
        files = [f for f in (texts.get(slug), facts.get(slug)) if f is not None]
        grows = sum(f.stat().st_size for f in files)
        if (current.texts or current.facts) and size + grows > budget:
            units.append(current)
            current, size = Unit(), 0
        current = Unit(
            current.texts + ((texts[slug],) if slug in texts else ()),
            current.facts + ((facts[slug],) if slug in facts else ()),
        )
        size += grows
    return [*units, current]


def _unit_graph(number: int) -> ox.NamedNode:
    return ox.NamedNode(f"{GRAPH_NS}unit/{number}")


def _rdflib_term(term: ox.NamedNode | ox.Literal) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


class FactIndex:
    """Every unit's facts in an on-disk Oxigraph store, each unit in a graph of its own."""

    def __init__(self, folder: Path, units: list[Unit]) -> None:
        self.store = ox.Store(str(folder))
        for number, unit in enumerate(units):
            for path in unit.facts:
                self.store.bulk_extend(_named_quads(path, _unit_graph(number)))

    def close(self) -> None:
        del self.store

    def context(self, number: int, mentioned: set[URIRef]) -> Graph:
        """What the other units state about the entities `mentioned` in unit `number`."""
        own = _unit_graph(number)
        graph = Graph()
        for iri in sorted(mentioned):
            for quad in self.store.quads_for_pattern(ox.NamedNode(str(iri)), None, None):
                if quad.graph_name != own and not isinstance(quad.object, ox.BlankNode):
                    predicate = URIRef(quad.predicate.value)
                    graph.add((URIRef(iri), predicate, _rdflib_term(quad.object)))
        return graph

    def asserted_elsewhere(self, number: int, triple: tuple[URIRef, URIRef, URIRef]) -> bool:
        """Whether another unit asserts `triple`, which this unit's reasoner found by inference."""
        own = _unit_graph(number)
        s, p, o = (ox.NamedNode(str(term)) for term in triple)
        return any(q.graph_name != own for q in self.store.quads_for_pattern(s, p, o))


def _named_quads(path: Path, graph: ox.NamedNode) -> Iterator[ox.Quad]:
    """The triples of a facts file's named graphs; a file that does not parse is its unit's
    problem, reported when that unit is checked."""
    try:
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TRIG))
    except SyntaxError:
        return
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode) and not isinstance(quad.subject, ox.BlankNode):
            yield ox.Quad(quad.subject, quad.predicate, quad.object, graph)


def mentioned_entities(graphs: list[Graph]) -> set[URIRef]:
    """The individuals named in `graphs`, as subject or object; not another source's document
    or segments, which belong with that source's text."""
    found: set[URIRef] = set()
    for graph in graphs:
        for s, _, o in graph:
            found.update(t for t in (s, o) if isinstance(t, URIRef) and _is_entity(t))
    return found


def _is_entity(iri: URIRef) -> bool:
    return iri.startswith(ID_NS) and not iri.startswith(source_iri(""))
