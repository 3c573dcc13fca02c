"""The SPARQL 1.1 Protocol at `/sparql`: queries by GET and POST, updates handed on.

Dispatch is on method and Content-Type; every query is scanned (`query_guard`), its dataset
checked, its format negotiated and its ETag compared before the engine runs it. A checked
query is kept per dataset version: by the raw query string and `Accept` for a GET, which skips
even reading the parameters, and by its parameters for a POST.
"""

from __future__ import annotations

from collections.abc import Hashable

from werkzeug.exceptions import MethodNotAllowed

from ..store.version_cache import per_version
from . import caching, description, negotiation, protocol, results, updates
from .call import Call, Reply
from .query_guard import CACHED_QUERY_CHARS
from .refused import Refused

PREPARED = "alliance_kg.prepared"
PREPARED_CACHE = 1024  # checked queries kept per process


def sparql(call: Call) -> Reply | None:
    """A query, an update, or the description of the service; None hands a browser's visit
    to the pages app, which shows the query page (with a query's results, when it has one)."""
    request = call.request
    post = request.method == "POST"
    get_key = None if post else _get_key(call)
    if get_key is not None:
        known = _cache(call).get(get_key)
        if known is not None:
            return run_query(call, known)
    params = call.body_params("/sparql") if post else call.url_params()
    if "update" in params.values:
        if not post:
            raise MethodNotAllowed(["POST"], "Updates must be sent by POST.")
        if "query" in params.values:
            raise Refused("Send either 'query' or 'update', not both.")
        return updates.run_update(call, params)
    text = params.one("query")
    if text is not None:
        if not post and _wants_page(call, params):
            return None  # the query page runs it (`page_results.py`) and shows a table
        prepared = _prepare(call, text, params)
        raw = text if post else request.environ.get("QUERY_STRING", "")
        if len(raw) <= CACHED_QUERY_CHARS:  # a long text is rare, and would crowd the cache
            _remember(call, get_key or _post_key(call, text, params), prepared)
        return run_query(call, prepared)
    if post:
        raise Refused(
            "Send the query as the 'query' parameter or an application/sparql-query body."
        )
    formats = protocol.wanted_formats(params)
    accept = request.headers.get("Accept")
    if not formats and negotiation.by_accept(accept, negotiation.GRAPH, html=True) is None:
        return None
    return description.respond(call, description.service_description, formats)


def run_query(call: Call, prepared: results.Prepared) -> Reply:
    """Compare the ETag, then evaluate within the time limit."""
    if caching.matches(call.request, prepared.etag):
        return Reply.not_modified(prepared.etag)
    store = call.store
    body, cut = call.limited(lambda: results.execute(store, prepared))
    reply = Reply.tagged(body, prepared.fmt.content_type, prepared.etag)
    if cut:
        reply.headers.append(("X-SPARQL-MaxRows", str(prepared.max_rows)))
    return reply


def _prepare(call: Call, text: str, params: protocol.Params) -> results.Prepared:
    return results.prepare(
        call.store,
        call.policy(),
        text,
        graphs=(params.all("default-graph-uri"), params.all("named-graph-uri")),
        accept=call.request.headers.get("Accept"),
        format_names=protocol.wanted_formats(params),
    )


def _wants_page(call: Call, params: protocol.Params) -> bool:
    formats = protocol.wanted_formats(params)
    return negotiation.wants_page(
        call.request.headers.get("Accept"), formats[0] if formats else None
    )


def _get_key(call: Call) -> Hashable:
    environ = call.request.environ
    return (environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT"))


def _post_key(call: Call, text: str, params: protocol.Params) -> Hashable:
    graphs = (tuple(params.all("default-graph-uri")), tuple(params.all("named-graph-uri")))
    formats = tuple(protocol.wanted_formats(params))
    accept = call.request.environ.get("HTTP_ACCEPT")
    return ("POST", text, graphs, formats, accept)


def _cache(call: Call) -> dict[Hashable, results.Prepared]:
    return per_version(call.extensions, PREPARED, call.store, dict)


def _remember(call: Call, key: Hashable, prepared: results.Prepared) -> None:
    cache = _cache(call)
    if len(cache) >= PREPARED_CACHE:
        cache.clear()
    cache[key] = prepared
