"""The dataset as a whole: its dump, and its VoID description as a page a person can read.

`/dump.nq.gz` is every quad of the served dataset as gzip-compressed N-Quads, so each fact
keeps its named graph (stated, background, inferred, ontology...). It is a `.gz` file, served
as `application/gzip` without a `Content-Encoding`, so a download saves the compressed file as
named; it is made once per dataset version. A browser's visit to `/.well-known/void` gets the
same figures VoID states, as HTML (RDF clients get RDF: `sparql/description.py`).
"""

from __future__ import annotations

import gzip

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from ..sparql import caching, description
from ..store.backend import get_store
from ..store.version_cache import per_version
from . import page_cache, terms

bp = Blueprint("dataset", __name__)

CACHE = "alliance_kg.pages.dump"
ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
DUMP_NAME = "alliance-kg.nq.gz"


def dump_bytes() -> bytes:
    """The whole dataset as gzip-compressed N-Quads, the same bytes in every worker."""
    store = get_store()
    quads = (ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in store.query(ALL_QUADS))
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    return gzip.compress(data, 9, mtime=0)


@bp.route("/dump.nq.gz", methods=["GET", "HEAD"])
def dump() -> Response:
    store = get_store()
    etag = caching.etag_for(store.version, "dump")
    if caching.matches(request, etag):
        return caching.not_modified(etag)
    body = per_version(current_app.extensions, CACHE, store, dump_bytes)
    response = Response(body, content_type="application/gzip")
    response.headers["Content-Disposition"] = f'attachment; filename="{DUMP_NAME}"'
    return caching.tag(response, etag)


@bp.route("/.well-known/void", methods=["GET", "HEAD"])
def void_page() -> str:
    """VoID for people: size, named graphs, classes and properties with counts, the dump."""
    return page_cache.cached("void", _render)


def _render() -> str:
    figures = description.void_figures(get_store())
    classes = [(terms.term(row["class"]), int(row["entities"].value)) for row in figures.classes]
    properties = [
        (terms.term(row["property"]), int(row["triples"].value)) for row in figures.properties
    ]
    graphs = [
        (terms.term(ox.NamedNode(iri)), terms.graph_kind(iri), count)
        for iri, count in figures.graphs
    ]
    return render_template(
        "void.html",
        triples=figures.triples,
        graphs=graphs,
        classes=sorted(classes, key=lambda item: -item[1]),
        properties=sorted(properties, key=lambda item: -item[1]),
        dump_href="/" + description.DUMP_PATH,
    )
