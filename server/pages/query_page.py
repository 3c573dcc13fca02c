"""The query page: what a browser gets at `/sparql` when it sends no query.

The SPARQL router (`sparql_router.py`) answers every other request to `/sparql` and hands a
browser's visit, negotiated to HTML, here.
"""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("query_page", __name__)


@bp.route("/sparql", methods=["GET", "HEAD"])
def query_page() -> str:
    return render_template("query.html")
