"""Which serialisation a response gets: explicit tables, the `Accept` header, a `format` name.

Two kinds of result exist: solutions (SELECT, ASK) and graphs (CONSTRUCT, DESCRIBE, the Graph
Store, the service and dataset descriptions). Each kind has an ordered table of media types;
the first is the default for `*/*` or no `Accept` at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

SOLUTIONS = "solutions"
GRAPH = "graph"


@dataclass(frozen=True)
class Format:
    """A media type the endpoint writes, the engine's serialiser for it, and its short names."""

    media_type: str
    engine: ox.QueryResultsFormat | ox.RdfFormat
    names: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    charset: bool = False

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


TABLES: dict[str, tuple[Format, ...]] = {
    SOLUTIONS: (
        Format(
            "application/sparql-results+json",
            ox.QueryResultsFormat.JSON,
            ("json", "srj"),
            ("application/json", "text/javascript", "application/javascript"),
        ),
        Format(
            "application/sparql-results+xml",
            ox.QueryResultsFormat.XML,
            ("xml", "srx"),
            ("application/xml", "text/xml"),
        ),
        Format("text/csv", ox.QueryResultsFormat.CSV, ("csv",), charset=True),
        Format("text/tab-separated-values", ox.QueryResultsFormat.TSV, ("tsv",), charset=True),
    ),
    GRAPH: (
        Format(
            "text/turtle",
            ox.RdfFormat.TURTLE,
            ("turtle", "ttl", "n3"),
            ("application/x-turtle", "text/n3", "text/rdf+n3"),
            charset=True,
        ),
        Format(
            "application/n-triples",
            ox.RdfFormat.N_TRIPLES,
            ("ntriples", "nt", "n-triples"),
            ("text/plain",),
        ),
        Format(
            "application/ld+json",
            ox.RdfFormat.JSON_LD,
            ("jsonld", "json-ld", "json"),
            ("application/json",),
        ),
        Format(
            "application/rdf+xml",
            ox.RdfFormat.RDF_XML,
            ("rdfxml", "rdf", "xml", "rdf+xml"),
            ("application/xml", "text/xml"),
        ),
        Format("application/n-quads", ox.RdfFormat.N_QUADS, ("nquads", "nq", "n-quads")),
        Format("application/trig", ox.RdfFormat.TRIG, ("trig",)),
    ),
}

HTML = "text/html"
PAGE = "html"  # the `format` name of the query page's results table


class NotAcceptable(Exception):
    """Nothing the client accepts can be written for this kind of result (406)."""

    def __init__(self, kind: str) -> None:
        offered = ", ".join(fmt.media_type for fmt in TABLES[kind])
        super().__init__(f"No acceptable format; this result can be sent as: {offered}.")


@lru_cache(maxsize=256)
def _offers(kind: str) -> tuple[tuple[str, Format], ...]:
    offers = [(fmt.media_type, fmt) for fmt in TABLES[kind]]
    offers += [(alias, fmt) for fmt in TABLES[kind] for alias in fmt.aliases]
    return tuple(offers)


@lru_cache(maxsize=512)
def by_accept(accept: str | None, kind: str, html: bool = False) -> Format | None:
    """The best format for an `Accept` header, q-values included; None means the HTML page."""
    table = TABLES[kind]
    if not accept or not accept.strip():
        return table[0]
    accepted = parse_accept_header(accept, MIMEAccept)
    offers = dict(_offers(kind))
    choices = list(offers)
    if html:
        choices.append(HTML)
    best = accepted.best_match(choices)
    if best is None:
        raise NotAcceptable(kind)
    if best == HTML and html:
        return None
    return offers[best]


@lru_cache(maxsize=256)
def wants_page(accept: str | None, format_name: str | None) -> bool:
    """Whether a GET of a query asks for its results as the query page's table: `format=html`,
    or no format and a browser's navigation `Accept` (HTML ranked first, XHTML named, as every
    browser sends); a client that lists `text/html` alone still gets a protocol format."""
    if format_name is not None:
        return format_name.strip().lower() == PAGE
    if not accept or "application/xhtml+xml" not in accept:
        return False
    offers = [media_type for kind in TABLES for media_type, _ in _offers(kind)]
    return parse_accept_header(accept, MIMEAccept).best_match([HTML, *offers]) == HTML


@lru_cache(maxsize=256)
def by_name(name: str, kind: str) -> Format:
    """The format a `format` parameter names: a short name (`json`, `ttl`) or a media type."""
    wanted = name.strip().lower()
    for fmt in TABLES[kind]:
        if wanted in fmt.names or wanted == fmt.media_type or wanted in fmt.aliases:
            return fmt
    raise NotAcceptable(kind)


def choose(accept: str | None, format_names: list[str], kind: str) -> Format:
    """A `format` parameter wins over `Accept`, as links typed by hand expect.

    Some clients repeat the parameter (SPARQLWrapper sends `format=tsv&format=text/tab-...`):
    the first name known for this kind of result is used.
    """
    for name in format_names:
        try:
            return by_name(name, kind)
        except NotAcceptable:
            continue
    if format_names:
        raise NotAcceptable(kind)
    chosen = by_accept(accept, kind)
    if chosen is None:
        raise NotAcceptable(kind)
    return chosen
