"""Write the whole built dataset in a standard RDF format, deterministically."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ..store.build_files import DATASET_FILE
from ..store.statistics import STATISTICS
from ..vocab import PREFIXES

FORMATS = {
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "turtle": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def export(build: Path, fmt: str) -> bytes:
    """The build as `fmt`. Turtle merges the data's graphs into one, as Turtle has no graphs,
    leaving out the statistics graph, which describes them (as the default graph does)."""
    data = (build / DATASET_FILE).read_bytes()
    if fmt == "nquads":
        return data
    quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    if fmt == "turtle":
        data_quads = (q for q in quads if q.graph_name != STATISTICS)
        triples = sorted({q.triple for q in data_quads}, key=str)
        return ox.serialize(triples, format=FORMATS[fmt], prefixes=PREFIXES) or b""
    prefixes = PREFIXES if fmt == "trig" else None
    return ox.serialize(quads, format=FORMATS[fmt], prefixes=prefixes) or b""
