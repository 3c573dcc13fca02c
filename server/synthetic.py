"""Deterministic synthetic enlargement of a build, for benchmarks at larger scale.

Copy k of the dataset renames every individual, segment, statement and per-source graph with
a `-copy{k}` suffix, so the copies have the essay's shape (facts, provenance, text, inferences)
without sharing nodes; the ontology graph is kept once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from .project import GRAPH_NS, ID_NS, ONTOLOGY_GRAPH


def _rename(term: ox.NamedNode, k: int) -> ox.NamedNode:
    iri = term.value
    if iri.startswith(ID_NS) or (iri.startswith(GRAPH_NS) and iri != ONTOLOGY_GRAPH):
        return ox.NamedNode(f"{iri}-copy{k}")
    return term


def _copy(quad: ox.Quad, k: int) -> ox.Quad:
    def rename(term):
        return _rename(term, k) if isinstance(term, ox.NamedNode) else term

    graph = quad.graph_name
    new_graph = _rename(graph, k) if isinstance(graph, ox.NamedNode) else graph
    return ox.Quad(rename(quad.subject), rename(quad.predicate), rename(quad.object), new_graph)


def enlarge(quads: list[ox.Quad], factor: int) -> Iterator[ox.Quad]:
    """The original quads plus `factor - 1` renamed copies of everything but the ontology."""
    yield from quads
    data = [
        q
        for q in quads
        if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == ONTOLOGY_GRAPH)
    ]
    for k in range(1, factor):
        for quad in data:
            yield _copy(quad, k)
