"""Move a dataset from rdflib to Oxigraph and write it canonically: same input, same bytes."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef


def oxigraph_quads(dataset: Dataset, extra: dict[str, Graph] | None = None) -> list[ox.Quad]:
    """The quads of `dataset` (and of `extra` graphs by IRI), with canonical blank nodes."""
    merged = Dataset()
    for graph in dataset.graphs():
        target = merged.graph(graph.identifier)
        for triple in graph:
            target.add(triple)
    for iri, graph in (extra or {}).items():
        target = merged.graph(URIRef(iri))
        for triple in graph:
            target.add(triple)
    text = merged.serialize(format="nquads")
    canonical = ox.Dataset(ox.parse(text, format=ox.RdfFormat.N_QUADS))
    canonical.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(canonical, key=_quad_key)


def _quad_key(quad: ox.Quad) -> tuple[str, str, str, str]:
    return (str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object))


def to_oxigraph(dataset: Dataset) -> ox.Store:
    """An in-memory Oxigraph store holding `dataset`, for queries during validation."""
    store = ox.Store()
    store.bulk_extend(oxigraph_quads(dataset))
    return store


def canonical_nquads(quads: list[ox.Quad]) -> bytes:
    """Sorted canonical N-Quads: byte-identical for identical input."""
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
