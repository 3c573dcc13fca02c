"""Move a dataset from rdflib to Oxigraph and write it canonically: same input, same bytes.

A build writes each unit's quads sorted to a chunk file, then merges the chunks into one sorted
N-Quads file, so that no step holds the whole dataset; the dataset's statistics, counted as the
merge goes, come last.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from ..store.statistics import Tally


def oxigraph_quads(
    dataset: Dataset,
    extra: dict[str, Graph] | None = None,
    leave_out: frozenset[str] = frozenset(),
    blank_prefix: str = "",
) -> list[ox.Quad]:
    """The sorted quads of `dataset` (and of `extra` graphs by IRI), with canonical blank nodes.

    Graphs in `leave_out` are not written; `blank_prefix` keeps the blank nodes of one build
    unit apart from those of the others.
    """
    merged = Dataset()
    graphs = [(g.identifier, g) for g in dataset.graphs()]
    graphs += [(URIRef(iri), g) for iri, g in (extra or {}).items()]
    for name, graph in graphs:
        if str(name) not in leave_out:
            target = merged.graph(name)
            for triple in graph:
                target.add(triple)
    text = merged.serialize(format="nquads")
    canonical = ox.Dataset(ox.parse(text, format=ox.RdfFormat.N_QUADS))
    canonical.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    quads = list(canonical)
    if blank_prefix:
        quads = [_prefixed(quad, blank_prefix) for quad in quads]
    return sorted(quads, key=_quad_key)


def _prefixed(quad: ox.Quad, prefix: str) -> ox.Quad:
    subject, value = quad.subject, quad.object
    if isinstance(subject, ox.BlankNode):
        subject = ox.BlankNode(prefix + subject.value)
    if isinstance(value, ox.BlankNode):
        value = ox.BlankNode(prefix + value.value)
    return ox.Quad(subject, quad.predicate, value, quad.graph_name)


def _quad_key(quad: ox.Quad) -> tuple[str, str, str, str]:
    return (str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object))


def to_oxigraph(dataset: Dataset) -> ox.Store:
    """An in-memory Oxigraph store holding `dataset`, for queries during validation."""
    store = ox.Store()
    store.bulk_extend(oxigraph_quads(dataset))
    return store


def write_chunk(quads: Iterable[ox.Quad], path: Path) -> None:
    """Write quads, sorted already, as one chunk of a build."""
    ox.serialize(quads, path, format=ox.RdfFormat.N_QUADS)


@dataclass
class Merged:
    """What merging a build's chunks wrote: its digest, and its quads per graph."""

    digest: str = ""
    graphs: Counter[str] = field(default_factory=Counter)

    quads: int = 0


def merge_chunks(chunks: list[Path], destination: Path) -> Merged:
    """Merge sorted chunks into sorted N-Quads without duplicates, followed by the statistics
    graph counted on the way (`store/statistics.py`); hash what is written."""
    merged, digest, tally = Merged(), hashlib.sha256(), Tally()
    streams = [ox.parse(path=str(chunk), format=ox.RdfFormat.N_QUADS) for chunk in chunks]
    with destination.open("wb") as out:
        for quad in chain(_distinct(heapq.merge(*streams, key=_quad_key)), _later(tally)):
            line = f"{quad} .\n".encode()
            digest.update(line)
            out.write(line)
            merged.quads += 1
            tally.add(quad)
            if isinstance(quad.graph_name, ox.NamedNode):
                merged.graphs[quad.graph_name.value] += 1
    merged.digest = digest.hexdigest()
    return merged


def _later(tally: Tally) -> Iterator[ox.Quad]:
    """The statistics, counted once every other quad has been through the tally."""
    yield from tally.quads()


def _distinct(quads: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
    previous = None
    for quad in quads:
        if quad != previous:
            previous = quad
            yield quad
