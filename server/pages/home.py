"""The home page, and the query page's examples."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template

from .. import package_data
from ..query_files import QueryFile, read_query
from ..sparql.negotiation import PAGE
from . import page_cache, terms, timeline, views
from .reader import sources

bp = Blueprint("home", __name__)


def examples() -> list[QueryFile]:
    """The example queries of `queries/examples/`, by summary."""
    found = [read_query(path) for path in package_data.example_paths()]
    return sorted(found, key=lambda query: query.summary.lower())


def example_links() -> list[dict[str, str]]:
    """Each example with its summary, description, text and a link that runs it: the query
    page shows its results, with JavaScript or without (`query_page.py`)."""
    return [
        {
            "name": query.name,
            "summary": query.summary,
            "description": query.description,
            "text": query.text,
            "href": "/sparql?" + urlencode({"query": query.text, "format": PAGE}),
        }
        for query in examples()
    ]


@bp.route("/", methods=["GET", "HEAD"])
def home() -> str:
    """What the graph holds, its phases, and where to start."""
    return page_cache.cached("home", _render)


def _render() -> str:
    counts = {row["what"].value: int(row["count"].value) for row in views.rows("home-counts")}
    entry_points = [  # the view lists the kinds that cover every individual, in page order
        (terms.term(row["class"]), int(row["entities"].value))
        for row in views.rows("home-kinds")
        if int(row["entities"].value)
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
