"""A sentence's own page: the claims it makes, every fact it states, the background and inferred
facts tied to them, and how to cite it.

The facts come from one view query (`sentence-facts`); the claims from the source's argument, as
the reader shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from ..project import SOURCE_NS
from . import claims, reader, terms, views
from .claims import Claim
from .describe import reader_href
from .statements import Reading, Statement, read

KINDS = ("stated", "background", "inferred")
SEGMENT = re.compile(r"p(\d+)-s(\d+)")


@dataclass
class Citation:
    """A reference to the sentence that a reader can paste, and its permanent link."""

    text: str
    permalink: str
    reader_href: str


@dataclass
class SentencePanel:
    claims: list[Claim]
    readings: dict[str, Reading]  # by kind: stated, background, inferred
    citation: Citation | None
    query: str

    @property
    def fact_count(self) -> int:
        return sum(len(reading) for reading in self.readings.values())


def _source_of(iri: str) -> reader.Source | None:
    slug = iri.removeprefix(SOURCE_NS).split("/", 1)[0]
    return next((source for source in reader.sources() if source.slug == slug), None)


def citation(iri: str, source: reader.Source) -> Citation | None:
    """A note-style citation, 'Yuki Tatsumi, “Title?” paragraph 2, sentence 6.', with the
    sentence's IRI to link: the author's name as written, person or organisation."""
    match = SEGMENT.fullmatch(iri.rsplit("/", 1)[-1])
    href = reader_href(iri)
    if match is None or href is None:
        return None
    paragraph, sentence = match.groups()
    title = source.title if source.title.endswith((".", "?", "!")) else source.title + ","
    byline = f"{source.author.text}, " if source.author else ""
    text = f"{byline}“{title}” paragraph {paragraph}, sentence {sentence}."
    return Citation(text, iri, href)


def panel(iri: str) -> SentencePanel | None:
    """The panel of a sentence of a source, or None for any other resource."""
    if not iri.startswith(SOURCE_NS) or SEGMENT.fullmatch(iri.rsplit("/", 1)[-1]) is None:
        return None
    source = _source_of(iri)
    if source is None:
        return None
    node = ox.NamedNode(iri)
    argument = claims.argument(source.iri, reader.sentence_texts(source.iri))
    facts: dict[str, list[Statement]] = {kind: [] for kind in KINDS}
    for row in views.rows("sentence-facts", this=node):
        statement = Statement(
            terms.term(row["subject"]),
            terms.term(row["property"]),
            terms.term(row["value"]),
            row["kind"].value,
        )
        facts.setdefault(statement.kind, []).append(statement)
    claim_iris = frozenset(argument.iris)
    return SentencePanel(
        argument.of_sentence(iri),
        {kind: read(found, claim_iris) for kind, found in facts.items()},
        citation(iri, source),
        views.sparql_href("sentence-facts", this=node),
    )
