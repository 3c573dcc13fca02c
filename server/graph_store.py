"""The SPARQL 1.1 Graph Store HTTP Protocol, for reading: `GET /store?graph=IRI` and `?default`.

The default graph is the union of all graphs, as for queries. Writing through the Graph Store
is not offered: changes go through SPARQL Update at `/update`.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import NotFound

from . import caching, negotiation, protocol, results
from .query_guard import Refused
from .store import get_store

bp = Blueprint("graph_store", __name__)

ALL_TRIPLES = "CONSTRUCT WHERE { ?s ?p ?o }"


@bp.route("/store", methods=["GET", "HEAD"])
def read_graph() -> Response:
    """One named graph (`?graph=IRI`) or the default graph (`?default`) in any RDF format."""
    params = protocol.url_params()
    graph = params.one("graph")
    if (graph is None) == ("default" not in params.values):
        raise Refused("Name exactly one graph: ?graph=IRI or ?default.")
    store = get_store()
    if graph is not None and graph not in results.policy(store).graphs:
        raise NotFound(f"The dataset has no graph {graph}; /.well-known/void lists its graphs.")
    fmt = negotiation.choose(
        request.headers.get("Accept"), protocol.wanted_formats(params), negotiation.GRAPH
    )
    etag = caching.etag_for(store.version, "store", graph or "", fmt.media_type)
    if caching.matches(etag):
        return caching.not_modified(etag)

    def work() -> bytes:
        found = store.query(ALL_TRIPLES, [graph] if graph else None)
        return results.serialise(found, fmt)

    response = Response(results.limited(work), content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return caching.tag(response, etag)
