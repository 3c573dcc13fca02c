"""The home page, the query page's examples, and the front-end assets installed from npm.

Assets come from the npm registry (`npm ci`, see `package.json`), ship inside the package
(`package_data.py`) and are served by the app at `/assets/`: no CDN is ever named.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, render_template, send_from_directory

from .. import package_data
from ..query_files import QueryFile, read_query
from . import display, page_cache, terms, timeline, views
from .reader import sources

bp = Blueprint("home", __name__)


@bp.route("/assets/<name>", methods=["GET", "HEAD"])
def asset(name: str) -> Response:
    """A front-end file installed from npm (the start checked that each one is there)."""
    if name not in package_data.ASSETS:
        abort(404)
    path = package_data.asset_path(name)
    return send_from_directory(path.parent, path.name, max_age=3600)


def examples() -> list[QueryFile]:
    """The example queries of `queries/examples/`, by summary."""
    found = [read_query(path) for path in package_data.example_paths()]
    return sorted(found, key=lambda query: query.summary.lower())


def example_links() -> list[dict[str, str]]:
    """Each example with its summary, description, text and a link that opens it."""
    return [
        {
            "name": query.name,
            "summary": query.summary,
            "description": query.description,
            "text": query.text,
            "href": "/sparql#query=" + quote(query.text, safe=""),
        }
        for query in examples()
    ]


@bp.route("/", methods=["GET", "HEAD"])
def home() -> str:
    """What the graph holds, its phases, and where to start."""
    return page_cache.cached("home", _render)


def _render() -> str:
    counts = {row["what"].value: int(row["count"].value) for row in views.rows("home-counts")}
    kinds = {row["class"].value: int(row["entities"].value) for row in views.rows("home-kinds")}
    entry_points = [
        (terms.term_for(iri), kinds.get(iri, 0)) for iri in display.HOME_KINDS if kinds.get(iri)
    ]
    return render_template(
        "home.html",
        counts=counts,
        entry_points=entry_points,
        phases=timeline.phases(),
        sources=sources(),
        examples=example_links()[:6],
        queries={name: views.sparql_href(name) for name in ("home-counts", "home-kinds")},
    )
