"""Linked-data entity pages: every IRI of the dataset at its own path, as HTML or RDF.

`<base>/id/actor/x` is served at `/id/actor/x`, ontology terms at `/ontology/Term`, graphs at
`/graph/...`; IRIs outside the base at `/resource?iri=`. Browsers get HTML; Turtle, JSON-LD,
N-Triples and RDF/XML come by `Accept` or by suffix. All forms list the same triples; N-Quads and
TriG put each in the named graph that holds it (stated, background, inferred...), as the page
marks them.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import NotFound

from ..project import BASE, ONTOLOGY_GRAPH
from ..sparql import caching, negotiation
from ..store.backend import get_store
from ..vocab import PREFIXES
from . import describe as describing
from . import ontology_terms, phases, search, sentence, static_files, summary
from .terms import local_href

bp = Blueprint("entity", __name__)

SUFFIXES: dict[str, str] = {
    ".ttl": "turtle",
    ".jsonld": "jsonld",
    ".nt": "ntriples",
    ".rdf": "rdfxml",
    ".nq": "nquads",
    ".trig": "trig",
}
ALTERNATES: tuple[tuple[str, str, str], ...] = (
    (".ttl", "Turtle", "text/turtle"),
    (".jsonld", "JSON-LD", "application/ld+json"),
    (".nt", "N-Triples", "application/n-triples"),
    (".rdf", "RDF/XML", "application/rdf+xml"),
    (".nq", "N-Quads", "application/n-quads"),
    (".trig", "TriG", "application/trig"),
)
HTML_TYPE = "text/html; charset=utf-8"
# the forms that name each fact's graph; JSON-LD could, but stays a graph like the others
QUAD_FORMATS = (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


@bp.route("/id/<path:rest>", methods=["GET", "HEAD"])
def individual(rest: str) -> Response:
    """An individual, a source, a sentence, a statement or a background resource."""
    return resource_response("id/" + rest)


@bp.route("/ontology/<path:rest>", methods=["GET", "HEAD"])
def ontology_term(rest: str) -> Response:
    """A class, a property or an ontology module."""
    return resource_response("ontology/" + rest)


@bp.route("/graph/<path:rest>", methods=["GET", "HEAD"])
def named_graph(rest: str) -> Response:
    """A named graph, as far as the dataset describes it."""
    return resource_response("graph/" + rest)


@bp.route("/ontology", methods=["GET", "HEAD"])
@bp.route(
    "/ontology<any('.ttl', '.jsonld', '.nt', '.rdf', '.nq', '.trig'):suffix>",
    methods=["GET", "HEAD"],
)
def ontology(suffix: str = "") -> Response:
    """The ontology: as HTML, its header and every term with its usage; as RDF (by `Accept`
    or suffix), the whole ontology graph, so the namespace IRI gives the ontology itself."""
    fmt = _negotiate(SUFFIXES[suffix] if suffix else request.args.get("format"))
    if fmt is None:
        return resource_response("ontology", extra={"terms": ontology_terms.ontology_terms})
    store = get_store()
    etag = caching.etag_for(store.version, "ontology-graph", fmt.media_type)
    if caching.matches(request, etag):
        return caching.not_modified(etag)
    whole = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
    triples = store.query(whole)
    graph = ox.NamedNode(ONTOLOGY_GRAPH)
    facts = (
        (ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
        if fmt.engine in QUAD_FORMATS  # each triple in the ontology's graph
        else triples
    )
    data = ox.serialize(facts, format=fmt.engine, prefixes=PREFIXES) or b""
    response = Response(data, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return caching.tag(response, etag)


def _negotiate(fmt_name: str | None) -> negotiation.Format | None:
    """The RDF format asked for by name or by `Accept`, or None for the HTML page."""
    if fmt_name:
        return negotiation.choose(None, [fmt_name], negotiation.GRAPH)
    accept = request.headers.get("Accept") or "text/html"
    return negotiation.by_accept(accept, negotiation.GRAPH, html=True)


@bp.route("/resource", methods=["GET", "HEAD"])
def external() -> Response:
    """An IRI outside the base that the dataset mentions (a PROV-O or OWL-Time term...)."""
    iri = request.args.get("iri", "").strip()
    if iri.startswith(BASE):
        location = local_href(iri)
        if _own_path(location):
            return Response(status=303, headers={"Location": location})
    return _respond(iri, request.args.get("format"), f"/resource?iri={iri}")


def _own_path(location: str) -> bool:
    """Whether a redirect stays on this server: `//host` and `/\\host` name another host to
    browsers, and `/resource?` would send the client back here in a loop."""
    return (
        len(location) > 1
        and location[0] == "/"
        and location[1] not in "/\\"
        and not location.startswith("/resource?")
    )


def resource_response(path: str, extra: dict[str, object] | None = None) -> Response:
    """Resolve a local path (with an optional format suffix) to its IRI and answer."""
    iri, fmt_name = BASE + path, None
    for suffix, name in SUFFIXES.items():
        if path.endswith(suffix) and describing.describe(iri) is None:
            iri, fmt_name = iri.removesuffix(suffix), name
            break
    return _respond(iri, fmt_name or request.args.get("format"), "/" + path, extra)


def _respond(
    iri: str, fmt_name: str | None, path: str, extra: dict[str, object] | None = None
) -> Response:
    description = describing.describe(iri) if iri else None
    fmt = _negotiate(fmt_name)
    if description is None:
        return not_found(iri, path)
    store = get_store()
    media = fmt.media_type if fmt else "html"
    etag = caching.etag_for(store.version, code_version(), static_files.files_digest(), iri, media)
    if caching.matches(request, etag):
        return caching.not_modified(etag)
    if fmt is None:
        body = render_html(description, extra or {})
        response = Response(body, content_type=HTML_TYPE)
    else:
        facts = description.quads if fmt.engine in QUAD_FORMATS else description.triples
        data = ox.serialize(facts, format=fmt.engine, prefixes=PREFIXES) or b""
        response = Response(data, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    href = local_href(iri)
    response.headers["Link"] = ", ".join(
        f'<{_with_suffix(href, suffix)}>; rel="alternate"; type="{media}"'
        for suffix, _name, media in ALTERNATES
    )
    return caching.tag(response, etag)


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the page code and templates: a new release changes every page's ETag."""
    digest = hashlib.blake2b(digest_size=8)
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*.py"), *(here.parent / "templates").glob("*.html")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _with_suffix(href: str, suffix: str) -> str:
    if href.startswith("/resource?"):
        return f"{href}&format={SUFFIXES[suffix]}"
    return href + suffix


def render_html(description: describing.Description, extra: dict[str, object]) -> str:
    """The HTML page of a description, with class or property panels where they apply."""
    href = local_href(description.iri)
    computed = {key: value() if callable(value) else value for key, value in extra.items()}
    return render_template(
        "entity.html",
        d=description,
        class_panel=ontology_terms.class_panel(description),
        phase_nav=phases.phase_nav(description.iri),
        property_panel=ontology_terms.property_panel(description),
        summary=summary.summarise(description),
        sentence=sentence.panel(description.iri),
        graph=describing.neighbourhood(description),
        reader_href=describing.reader_href(description.iri),
        alternates=[
            (name, _with_suffix(href, suffix), media) for suffix, name, media in ALTERNATES
        ],
        **computed,
    )


def prefers_html() -> bool:
    """Whether the client ranks HTML above plain text, as browsers do (`*/*` does not)."""
    accept = request.accept_mimetypes
    return accept.quality("text/html") > accept.quality("text/plain")


def not_found(iri: str, path: str) -> Response:
    """A helpful 404: what was asked, what the address scheme is, and close matches.

    Other clients than browsers get the plain text 404 of every unknown path.
    """
    if not prefers_html():
        raise NotFound()
    words = path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    suggestions = search.ranked(words)[:8] if words.strip() else []
    body = render_template("not_found.html", iri=iri, path=path, suggestions=suggestions)
    return Response(body, status=404, content_type=HTML_TYPE)
