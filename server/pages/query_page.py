"""The query page: what a browser gets at `/sparql`, with a query's results when it sends one.

The SPARQL router (`sparql/router.py`) answers every other request to `/sparql` and hands a
browser's visit here (`negotiation.wants_page`). A query in the address is run the protocol's
way (`sparql/page_results.py`) and shown as a table under the form, so the page and its
examples work without JavaScript; a refused or overdue query is a message on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from ..curie import curie
from ..sparql import page_results
from ..sparql.call import Call
from ..sparql.http_policy import error_reply, request_id
from ..sparql.negotiation import PAGE, NotAcceptable
from ..sparql.refused import Refused
from ..sparql.timeouts import QueryTimeout
from ..store.remote import BackendError
from .terms import local_href

bp = Blueprint("query_page", __name__)

SHOWN_ROWS = 500  # rows in the table; the downloads hold the whole result
SHOWN_CHARS = 400  # characters of a long literal shown in a cell
PLAIN = "xsd:string"  # a literal's datatype not worth a note
CLIENT_ERRORS = (Refused, HTTPException, NotAcceptable, QueryTimeout, BackendError)
DOWNLOADS = {
    "solutions": [("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"), ("tsv", "TSV")],
    "graph": [("turtle", "Turtle"), ("ntriples", "N-Triples"), ("jsonld", "JSON-LD")],
}


VARY = {"Vary": "Accept"}  # the same address answers protocol clients in their formats


@dataclass(frozen=True)
class Cell:
    """One value of the table as the page shows it: its text, a link, and its tag."""

    text: str
    href: str | None = None
    title: str | None = None
    note: str | None = None  # a literal's language or datatype
    clipped: bool = False


@bp.route("/sparql", methods=["GET", "HEAD"])
def query_page() -> tuple[str, int, dict[str, str]]:
    """The editor and the examples; with `query`, its results (or why it was refused)."""
    text = request.args.get("query")
    if text is None:
        return _page(), 200, VARY
    try:
        found = page_results.answer(_call(), SHOWN_ROWS)
    except CLIENT_ERRORS as error:
        status, message, _ = error_reply(error, request_id())
        return _page(query=text, error=message), status, VARY
    kind = "graph" if found.variables == page_results.TRIPLE_VARIABLES else "solutions"
    return (
        _page(
            query=text,
            answer=found,
            rows=[[_cell(value) for value in row] for row in found.rows],
            downloads=[(label, _download_href(name)) for name, label in DOWNLOADS[kind]],
        ),
        200,
        VARY,
    )


def _call() -> Call:
    """The request as the SPARQL side takes it: the objects themselves, not Flask's proxies,
    which a query's helper thread cannot read."""
    return Call(request._get_current_object(), current_app._get_current_object())  # type: ignore[attr-defined]


def _page(query: str | None = None, **results: object) -> str:
    return render_template("query.html", query=query, shown=SHOWN_ROWS, page_format=PAGE, **results)


def _download_href(format_name: str) -> str:
    """This address with another `format`: the same query, the same dataset parameters."""
    kept = [(name, value) for name, value in request.args.items(multi=True) if name != "format"]
    return "/sparql?" + urlencode([*kept, ("format", format_name)])


def _cell(value: page_results.Cell) -> Cell | None:
    """An IRI as its prefixed name linked to its page here; a literal's text, capped."""
    if value is None:
        return None
    if isinstance(value, ox.NamedNode):
        return Cell(curie(value.value) or value.value, local_href(value.value), value.value)
    if isinstance(value, ox.Literal):
        note = value.language or curie(value.datatype.value) or value.datatype.value
        shown = value.value[:SHOWN_CHARS]
        return Cell(shown, note=None if note == PLAIN else note, clipped=shown != value.value)
    return Cell(str(value))
