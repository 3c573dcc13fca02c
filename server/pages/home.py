"""The home page, the query page's examples, and the front-end assets from `node_modules`.

Assets are installed from the npm registry (`npm ci`, see `package.json`) and served by the
app at `/assets/`: no CDN is ever named.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, send_from_directory

from ..query_files import QueryFile, read_query
from . import display, page_cache, terms, timeline, views
from .reader import sources

bp = Blueprint("home", __name__)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "queries" / "examples"
# Front-end files the pages load, by the name they are served under.
ASSETS: dict[str, str] = {
    "yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
}


def node_modules() -> Path:
    """Where `npm ci` put the packages: `NODE_MODULES` if set, else the project's."""
    return Path(current_app.config.get("NODE_MODULES") or ROOT / "node_modules")


@bp.route("/assets/<name>", methods=["GET", "HEAD"])
def asset(name: str) -> Response:
    """A front-end file installed from npm."""
    if name not in ASSETS:
        abort(404)
    path = node_modules() / ASSETS[name]
    if not path.is_file():
        abort(404, f"{ASSETS[name]} is missing: run `npm ci` in the project folder.")
    return send_from_directory(path.parent, path.name, max_age=3600)


def examples() -> list[QueryFile]:
    """The example queries of `queries/examples/`, by summary."""
    found = [read_query(path) for path in sorted(EXAMPLES.glob("*.rq"))]
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
