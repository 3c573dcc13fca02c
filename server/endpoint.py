"""The SPARQL 1.1 Protocol at `/sparql`: queries by GET and POST, updates handed on.

One router dispatches on method and Content-Type; every query is scanned (`query_guard`),
its dataset checked, its format negotiated and its ETag compared before the engine runs it.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import MethodNotAllowed

from . import caching, description, negotiation, protocol, results, updates
from .query_guard import Refused
from .store import get_store

bp = Blueprint("endpoint", __name__)


@bp.route("/sparql", methods=["GET", "HEAD", "POST"])
def sparql() -> Response:
    """Dispatch a protocol request: a query, an update, or the description of the service."""
    params = protocol.body_params("/sparql") if request.method == "POST" else protocol.url_params()
    if "update" in params.values:
        if request.method != "POST":
            raise MethodNotAllowed(["POST"], "Updates must be sent by POST.")
        if "query" in params.values:
            raise Refused("Send either 'query' or 'update', not both.")
        return updates.run_update(params)
    text = params.one("query")
    if text is None:
        if request.method == "POST":
            raise Refused(
                "Send the query as the 'query' parameter or an application/sparql-query body."
            )
        return _describe_service(params)
    return run_query(text, params)


def run_query(text: str, params: protocol.Params) -> Response:
    """Check, negotiate, compare the ETag, then evaluate inside the time limit."""
    store = get_store()
    prepared = results.prepare(
        store,
        results.policy(store),
        text,
        graphs=(params.all("default-graph-uri"), params.all("named-graph-uri")),
        accept=request.headers.get("Accept"),
        format_names=protocol.wanted_formats(params),
    )
    if caching.matches(prepared.etag):
        return caching.not_modified(prepared.etag)
    body, was_capped = results.limited(lambda: results.execute(store, prepared))
    response = Response(body, content_type=prepared.fmt.content_type)
    response.headers["Vary"] = "Accept"
    if was_capped:
        response.headers["X-SPARQL-MaxRows"] = str(prepared.max_rows)
    return caching.tag(response, prepared.etag)


def _describe_service(params: protocol.Params) -> Response:
    """Browsers get the query page; everything else the SPARQL 1.1 Service Description."""
    formats = protocol.wanted_formats(params)
    if not formats:
        chosen = negotiation.by_accept(request.headers.get("Accept"), negotiation.GRAPH, html=True)
        if chosen is None:
            return Response(render_template("query.html"), content_type="text/html; charset=utf-8")
    return description.respond(description.service_description, formats)
