"""The essay reader: `/essay` and `/essay/<slug>`, each sentence with its claims, facts and
mentions.

Every sentence has an anchor (`#p2-s3`), shows the claims it makes (kind, factuality, holder and
argument links) and, beside them, the facts derived from it as plain statements (linked on the
sentence's own page); a mention is highlighted where one of the entity's names occurs in the
sentence. The claims' own records
stay out of the fact list, which their panel already shows. Works without JavaScript.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import NotFound

from .. import live_reload
from ..pipeline.search_index import fold
from ..project import SOURCE_NS
from ..store.backend import get_store
from . import claims, display, page_cache, terms, views
from .claims import Claim
from .statements import Reading, Statement, read
from .terms import Term

bp = Blueprint("reader", __name__)


@dataclass
class Segment:
    """A sentence, the title or the byline: its text split into plain runs and mentions."""

    iri: str
    anchor: str
    text: str
    runs: list[tuple[str, Term | None]] = field(default_factory=list)
    facts: list[tuple[Term, Term, Term]] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)

    @property
    def reading(self) -> Reading:
        """The facts as statements a reader reads, naming facts folded together."""
        return read([Statement(*fact) for fact in self.facts])


@dataclass
class Paragraph:
    number: int
    anchor: str
    pieces: list[str | Segment]


@dataclass
class Source:
    iri: str
    slug: str
    title: str
    author: Term | None
    sentences: int
    href: str


def sources() -> list[Source]:
    """The source documents of the dataset."""
    found = []
    for row in views.rows("essay-sources"):
        iri = row["source"].value
        slug = iri.removeprefix(SOURCE_NS)
        found.append(
            Source(
                iri,
                slug,
                row["title"].value if row["title"] is not None else terms.label_of(iri),
                terms.term(row["creator"]) if row["creator"] is not None else None,
                int(row["sentences"].value) if row["sentences"] is not None else 0,
                f"/essay/{slug}",
            )
        )
    return found


def _names(iri: str) -> list[str]:
    return [name for name in (terms.label_of(iri), *terms.alt_labels(iri)) if len(name) >= 2]


def _occurrences(text: str, name: str) -> list[tuple[int, int]]:
    """Where `name` occurs in `text` as whole words."""
    found, start = [], text.find(name)
    while start >= 0:
        end = start + len(name)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            found.append((start, end))
        start = text.find(name, start + 1)
    return found


def highlight(text: str, entities: list[str]) -> list[tuple[str, Term | None]]:
    """Split `text` into runs, linking the longest non-overlapping occurrences of names."""
    folded = fold(text)
    if len(folded) != len(text):  # folding changed lengths: match the exact case instead
        folded = text
    spans: list[tuple[int, int, str]] = []
    candidates = sorted(
        ((fold(name), iri) for iri in entities for name in _names(iri)),
        key=lambda item: -len(item[0]),
    )
    for name, iri in candidates:
        for start, end in _occurrences(folded, name):
            if all(end <= taken[0] or start >= taken[1] for taken in spans):
                spans.append((start, end, iri))
    spans.sort()
    runs: list[tuple[str, Term | None]] = []
    position = 0
    for start, end, iri in spans:
        if start > position:
            runs.append((text[position:start], None))
        runs.append((text[start:end], terms.term(ox.NamedNode(iri))))
        position = end
    if position < len(text):
        runs.append((text[position:], None))
    return runs


def sentence_texts(source: str) -> dict[str, str]:
    """The text of each sentence of `source`, by IRI."""
    rows = views.rows("essay-segments", source=ox.NamedNode(source))
    return {row["segment"].value: row["text"].value for row in rows}


def _segments(source: str, hidden: set[str]) -> tuple[list[Paragraph], dict[str, Segment]]:
    """The paragraphs and their segments, without the facts whose subject is in `hidden`."""
    node = ox.NamedNode(source)
    facts: dict[str, list[tuple[Term, Term, Term]]] = {}
    entities: dict[str, list[str]] = {}
    for row in views.rows("essay-facts", source=node):
        if row["subject"].value in hidden:
            continue
        segment = row["segment"].value
        triple = (row["subject"], row["property"], row["value"])
        facts.setdefault(segment, []).append(tuple(terms.term(part) for part in triple))
        for part in (row["subject"], row["value"]):
            if isinstance(part, ox.NamedNode) and part.value != source:
                if row["property"].value == display.TYPE and part is row["value"]:
                    continue
                if part.value not in entities.setdefault(segment, []):
                    entities[segment].append(part.value)
    paragraphs: dict[int, Paragraph] = {}
    segments: dict[str, Segment] = {}
    offsets: dict[int, tuple[str, int, int]] = {}
    for row in views.rows("essay-segments", source=node):
        number = int(row["number"].value)
        paragraph = paragraphs.setdefault(
            number, Paragraph(number, row["paragraph"].value.rsplit("/", 1)[-1], [])
        )
        offsets.setdefault(
            number, (row["paragraphText"].value, int(row["paragraphBegin"].value), 0)
        )
        text_of_paragraph, begin_of_paragraph, position = offsets[number]
        begin, end = int(row["begin"].value), int(row["end"].value)
        if begin - begin_of_paragraph > position:
            paragraph.pieces.append(text_of_paragraph[position : begin - begin_of_paragraph])
        segment = _segment(row["segment"].value, row["text"].value, facts, entities)
        segments[segment.iri] = segment
        paragraph.pieces.append(segment)
        offsets[number] = (text_of_paragraph, begin_of_paragraph, end - begin_of_paragraph)
    for number, (text_of_paragraph, _begin, position) in offsets.items():
        if position < len(text_of_paragraph):
            paragraphs[number].pieces.append(text_of_paragraph[position:])
    title_iri = source + "/title"
    if title_iri in facts:
        segments[title_iri] = _segment(title_iri, "", facts, entities)
    return [paragraphs[number] for number in sorted(paragraphs)], segments


def _segment(
    iri: str,
    text: str,
    facts: dict[str, list[tuple[Term, Term, Term]]],
    entities: dict[str, list[str]],
) -> Segment:
    mentioned = entities.get(iri, [])
    return Segment(
        iri,
        iri.rsplit("/", 1)[-1],
        text,
        highlight(text, mentioned),
        facts.get(iri, []),
    )


@bp.route("/essay", methods=["GET", "HEAD"])
def essay_index() -> str | Response:
    """The reader: the essay itself while there is one source, else the list of sources."""
    found = sources()
    if len(found) == 1:
        return essay(found[0].slug)
    return render_template("essays.html", sources=found)


@bp.route("/essay/<slug>", methods=["GET", "HEAD"])
def essay(slug: str) -> str | Response:
    """One source, paragraph by paragraph, sentence by sentence."""
    found = {source.slug: source for source in sources()}
    if slug not in found:
        raise NotFound()  # the site's 404: a styled page for browsers, text for others
    source = found[slug]
    curate = curation_enabled()
    key = f"essay/{slug}" + ("?curate" if curate else "")
    return page_cache.cached(key, lambda: _render(source, curate))


def curation_enabled() -> bool:
    """Whether to offer the curation panel: under `serve --dev` to this machine, else only on
    `?curate=1` (the page cannot know the update token, so the API decides, 401 or 403)."""
    dev = live_reload.EXTENSION in current_app.extensions
    try:
        local = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        local = False
    return (dev and local) or request.args.get("curate") == "1"


def _render(source: Source, curate: bool = False) -> str:
    argument = claims.argument(source.iri, sentence_texts(source.iri))
    paragraphs, segments = _segments(source.iri, argument.iris)
    for segment in segments.values():
        segment.claims = argument.of_sentence(segment.iri)
    node = ox.NamedNode(source.iri)
    return render_template(
        "essay.html",
        source=source,
        paragraphs=paragraphs,
        title=segments.get(source.iri + "/title"),
        author=source.author.value if source.author else None,
        curate=curate,
        version=get_store().version,
        queries={
            name: views.sparql_href(name, source=node)
            for name in ("essay-segments", "essay-facts", "argument-claims", "argument-links")
        },
    )
