"""Full-text search, as a page that works without JavaScript and as its JSON twin:
`/search?q=&kind=&page=` and `/search.json?q=&kind=&limit=&page=`.

The index is the build's `search.sqlite` when it was built from the data served, else one made
in memory from the store once per dataset version (after an update, or for a store given
without its build folder). Each process opens its own connection, after any fork.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from markupsafe import Markup, escape

from ..pipeline.search_index import (
    FACET_CLASSES,
    OTHER_FACET,
    SEARCH_FILE,
    SENTENCE_FACET,
    TERM_FACET,
    facts_of_quads,
    index_version,
    write_index,
)
from ..store.backend import get_store
from ..store.version_cache import per_version
from . import terms, views
from .search_lookup import Answer, Match, lookup

bp = Blueprint("search", __name__)

CACHE = "alliance_kg.pages.search"
MAX_RESULTS = 50
PAGE_SIZE = 20
MAX_SUGGESTIONS = 10
FACET_NAMES = {SENTENCE_FACET: "Sentence", TERM_FACET: "Ontology term", OTHER_FACET: "Other"}


@dataclass
class OpenIndex:
    """The index of one dataset version: a build's file, or an in-memory image of one."""

    path: Path | None = None
    image: bytes | None = None
    connections: dict[int, sqlite3.Connection] = field(default_factory=dict)

    def connection(self) -> sqlite3.Connection:
        """This process's connection (SQLite connections must not cross a fork)."""
        pid = os.getpid()
        db = self.connections.get(pid)
        if db is None:
            if self.path is not None:
                uri = f"{self.path.as_uri()}?mode=ro&immutable=1"
                db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            else:
                db = sqlite3.connect(":memory:", check_same_thread=False)
                db.deserialize(self.image or b"")
            self.connections = {pid: db}
        return db


@dataclass(frozen=True)
class Hit:
    """A search result as pages show it: label, kind, the name that matched, a snippet."""

    iri: str
    label: str
    matched: str
    kind: str
    facet: str
    href: str
    title: Markup  # the label, its matched words marked
    snippet: Markup | None


@dataclass(frozen=True)
class Found:
    """A page of hits and the number of matches in each facet, named."""

    hits: list[Hit]
    facets: dict[str, int]
    total: int


def _index() -> OpenIndex:
    return per_version(current_app.extensions, CACHE, get_store(), _open)


def _open() -> OpenIndex:
    store = get_store()
    build = current_app.config.get("BUILD_DIR")
    if build and index_version(Path(build) / SEARCH_FILE) == store.version:
        return OpenIndex(path=Path(build) / SEARCH_FILE)
    solutions = store.query(views.view("search-facts").text)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError("view search-facts is not a SELECT query")
    quads = (
        ox.Quad(row["resource"], row["property"], row["value"], row["graph"]) for row in solutions
    )
    db = write_index(facts_of_quads(quads), ":memory:", store.version)
    image = db.serialize()
    db.close()
    return OpenIndex(image=image)


def facet_name(facet: str) -> str:
    """What a facet is called on the page: the ontology's label of its class."""
    cls = FACET_CLASSES.get(facet)
    return terms.label_of(cls) if cls else FACET_NAMES.get(facet, facet)


def _hit(match: Match) -> Hit:
    label = terms.label_of(match.iri)
    return Hit(
        match.iri,
        label,
        match.matched or label,
        terms.label_of(match.cls) if match.cls else "",
        match.facet,
        terms.local_href(match.iri),
        match.marked_names.get(label, escape(label)),
        match.snippet,
    )


def found(query: str, facet: str = "", limit: int = MAX_RESULTS, offset: int = 0) -> Found:
    """The hits for `query` (in one facet if given), best first, and the counts by facet."""
    answer: Answer = lookup(_index().connection(), query, facet, limit, offset)
    total = answer.facets.get(facet, 0) if facet else answer.total
    return Found([_hit(match) for match in answer.matches], answer.facets, total)


def ranked(query: str) -> list[Hit]:
    """The best matches for `query`: individuals, then sentences, then ontology terms."""
    return found(query).hits


def _facet_arg() -> str:
    facet = request.args.get("kind", "")
    if facet and facet not in (*FACET_CLASSES, *FACET_NAMES):
        abort(400, f"unknown kind {facet!r}: one of {', '.join([*FACET_CLASSES, *FACET_NAMES])}")
    return facet


def _page_arg() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 1000))


@bp.route("/search", methods=["GET", "HEAD"])
def search_page() -> str:
    """The results page, with facets and pages of results: works without JavaScript."""
    query, facet, page = request.args.get("q", ""), _facet_arg(), _page_arg()
    result = found(query, facet, PAGE_SIZE, (page - 1) * PAGE_SIZE) if query.strip() else None
    return render_template(
        "search.html",
        q=query,
        kind=facet,
        page=page,
        page_size=PAGE_SIZE,
        result=result,
        facet_name=facet_name,
    )


@bp.route("/search.json", methods=["GET", "HEAD"])
def search_json() -> Response:
    """The same results as JSON: each with its label, matched name, kind, link and snippet
    (HTML, matched words in `<mark>`), and the counts by facet."""
    query, facet, page = request.args.get("q", ""), _facet_arg(), _page_arg()
    limit = max(1, min(request.args.get("limit", type=int) or MAX_SUGGESTIONS, MAX_RESULTS))
    result = found(query, facet, limit, (page - 1) * limit)
    return jsonify(
        {
            "q": query,
            "kind": facet,
            "page": page,
            "total": result.total,
            "facets": [
                {"kind": key, "name": facet_name(key), "count": count}
                for key, count in result.facets.items()
            ],
            "results": [
                {
                    "iri": hit.iri,
                    "label": hit.label,
                    "matched": hit.matched,
                    "kind": hit.kind,
                    "facet": hit.facet,
                    "href": hit.href,
                    "snippet": str(hit.snippet or hit.title),
                }
                for hit in result.hits
            ],
        }
    )
