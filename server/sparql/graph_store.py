"""The SPARQL 1.1 Graph Store HTTP Protocol, for reading: `GET /store?graph=IRI` and `?default`.

The default graph is the union of all graphs, as for queries. Writing through the Graph Store
is not offered: changes go through SPARQL Update at `/update`.
"""

from __future__ import annotations

from werkzeug.exceptions import NotFound

from . import caching, negotiation, protocol, results
from .call import Call, Reply
from .refused import Refused

ALL_TRIPLES = "CONSTRUCT WHERE { ?s ?p ?o }"


def read_graph(call: Call) -> Reply:
    """One named graph (`?graph=IRI`) or the default graph (`?default`) in any RDF format."""
    params = call.url_params()
    graph = params.one("graph")
    if (graph is None) == ("default" not in params.values):
        raise Refused("Name exactly one graph: ?graph=IRI or ?default.")
    store = call.store
    if graph is not None and graph not in call.policy().graphs:
        raise NotFound(f"The dataset has no graph {graph}; /.well-known/void lists its graphs.")
    fmt = negotiation.choose(
        call.request.headers.get("Accept"), protocol.wanted_formats(params), negotiation.GRAPH
    )
    etag = caching.etag_for(store.version, "store", graph or "", fmt.media_type)
    if caching.matches(call.request, etag):
        return Reply.not_modified(etag)

    def work() -> bytes:
        found = store.query(ALL_TRIPLES, [graph] if graph else None)
        return results.serialise(found, fmt)

    return Reply.tagged(call.limited(work), fmt.content_type, etag)
