"""The full-text search index: an SQLite FTS5 database of labels, definitions and sentences.

Written with every build next to the dataset (`search.sqlite`), or made in memory from a store
whose data moved on since its build. Words are stemmed here with the Snowball English stemmer
(Porter2) rather than by FTS5's `porter` tokenizer, whose older algorithm stems "betrayed" to
"betrai" and "betrayal" to "betray"; letters and digits are split apart, so "f22", "F 22" and
"F-22" are the same two words. FTS5 matches, ranks (bm25) and marks what matched.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby, islice
from pathlib import Path

import pyoxigraph as ox
import snowballstemmer
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..project import (
    BACKGROUND_NS,
    ID_NS,
    INFERRED_GRAPH,
    ONTOLOGY_NS,
    PROVENANCE_GRAPH,
    SOURCE_NS,
    STATEMENT_NS,
)
from ..vocab import AKG, NIF

SEARCH_FILE = "search.sqlite"
SCHEMA = "1"
TOKEN = re.compile(r"\d+|[^\W\d_]+")
BATCH = 5000

LABEL, ALT, TEXT, SENTENCE_TEXT, TYPE = range(5)
ROLES: dict[str, int] = {
    str(RDFS.label): LABEL,
    str(SKOS.prefLabel): LABEL,
    str(SKOS.altLabel): ALT,
    str(SKOS.definition): TEXT,
    str(RDFS.comment): TEXT,
    str(DCTERMS.description): TEXT,
    str(AKG.content): TEXT,
    str(AKG.basis): TEXT,
    str(SKOS.scopeNote): TEXT,
    str(NIF.anchorOf): SENTENCE_TEXT,  # kept for sentences only: paragraphs repeat them
    str(RDF.type): TYPE,
}
SENTENCE = str(NIF.Sentence)
# Facets, in the order a resource with several of these types is filed under the first.
FACET_CLASSES: dict[str, str] = {
    "actor": str(AKG.Actor),
    "issue": str(AKG.Issue),
    "attitude": str(AKG.Attitude),
    "event": str(AKG.Event),
    "phase": str(AKG.AlliancePhase),
    "role": str(AKG.AllianceRole),
    "recommendation": str(AKG.Recommendation),
    "claim": str(AKG.Claim),
    "alliance": str(AKG.Alliance),
    "alliance-system": str(AKG.AllianceSystem),
    "weapon-system": str(AKG.WeaponSystem),
    "region": str(AKG.Region),
    "year": str(AKG.YearInstant),
}
SENTENCE_FACET, TERM_FACET, OTHER_FACET = "sentence", "ontology-term", "other"
TERM_TYPES = frozenset(
    str(term)
    for term in (
        OWL.Class,
        RDFS.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDF.Property,
        OWL.Ontology,
    )
)
DEMOTED = (STATEMENT_NS, SOURCE_NS, BACKGROUND_NS)
# Ranking tiers, best first: individuals, then sentences, then ontology terms, then the rest.
INDIVIDUAL_TIER, SENTENCE_TIER, TERM_TIER, OTHER_TIER = range(4)

SCHEMA_SQL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, facet TEXT NOT NULL, class TEXT,
    tier INTEGER NOT NULL, labels TEXT NOT NULL, alts TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE names (doc INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (doc, key))
    WITHOUT ROWID;
CREATE VIRTUAL TABLE search USING fts5(
    labels, alts, text, tokenize = 'unicode61 remove_diacritics 0');
CREATE TEMP TABLE facts (
    subject TEXT NOT NULL, role INTEGER NOT NULL, value TEXT NOT NULL, asserted INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class Fact:
    """One statement the index reads: a resource, what the value is to it, the value."""

    subject: str
    role: int
    value: str
    asserted: bool  # stated by a source, the text or the ontology, not the reasoner


def fold(text: str) -> str:
    """Lower case without accents or typographic quotes, so "abe" finds "Abe’s"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """A token's search form: folded, stemmed, and a single FTS5 token still."""
    folded = "".join(char for char in fold(token) if char.isalnum()) or token.casefold()
    return folded if folded.isdigit() else _STEMMER.stemWord(folded)


def spans(text: str) -> list[tuple[int, int]]:
    """Where each word of `text` starts and ends: runs of letters, runs of digits."""
    return [match.span() for match in TOKEN.finditer(text)]


def stems(text: str) -> list[str]:
    """The search forms of the words of `text`, one for each of `spans(text)`."""
    return [stem(match.group()) for match in TOKEN.finditer(text)]


def name_key(name: str) -> str:
    """A name's words, folded and unstemmed: "U.S." and "u s" are the same name."""
    return " ".join(fold(match.group()) for match in TOKEN.finditer(name))


def facts_of_quads(quads: Iterable[ox.Quad]) -> Iterator[Fact]:
    """The facts the index reads, from a dataset's quads."""
    for quad in quads:
        role = ROLES.get(quad.predicate.value)
        if role is None or not isinstance(quad.subject, ox.NamedNode):
            continue
        if isinstance(quad.object, ox.BlankNode) or (
            role == TYPE and not isinstance(quad.object, ox.NamedNode)
        ):
            continue
        graph = quad.graph_name
        asserted = not (
            isinstance(graph, ox.NamedNode) and graph.value in (INFERRED_GRAPH, PROVENANCE_GRAPH)
        )
        yield Fact(quad.subject.value, role, quad.object.value, asserted)


def facts_of_dataset(dataset: Path) -> Iterator[Fact]:
    """The facts the index reads, streamed from a build's N-Quads file."""
    yield from facts_of_quads(ox.parse(path=str(dataset), format=ox.RdfFormat.N_QUADS))


@dataclass
class Document:
    """What the index holds of one resource."""

    iri: str
    labels: list[str] = field(default_factory=list)
    alts: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    sentence_texts: list[str] = field(default_factory=list)
    types: set[str] = field(default_factory=set)
    asserted_types: set[str] = field(default_factory=set)

    def add(self, fact: Fact) -> None:
        if fact.role == TYPE:
            self.types.add(fact.value)
            if fact.asserted:
                self.asserted_types.add(fact.value)
            return
        found = (self.labels, self.alts, self.texts, self.sentence_texts)[fact.role]
        if fact.value not in found:
            found.append(fact.value)

    @property
    def facet(self) -> str:
        for facet, cls in FACET_CLASSES.items():
            if cls in self.types:
                return facet
        if SENTENCE in self.types:
            return SENTENCE_FACET
        if self.iri.startswith(ONTOLOGY_NS) or self.types & TERM_TYPES:
            return TERM_FACET
        return OTHER_FACET

    @property
    def tier(self) -> int:
        facet = self.facet
        if facet == SENTENCE_FACET:
            return SENTENCE_TIER
        if facet == TERM_FACET:
            return TERM_TIER
        if self.iri.startswith(ID_NS) and not self.iri.startswith(DEMOTED):
            return INDIVIDUAL_TIER
        return OTHER_TIER

    @property
    def text(self) -> list[str]:
        """Descriptions, and a sentence's own words."""
        return self.texts + (self.sentence_texts if SENTENCE in self.types else [])

    @property
    def shown_class(self) -> str | None:
        """The asserted class that says what the resource is, the ontology's own first."""
        ours = sorted(c for c in self.asserted_types if c.startswith(ONTOLOGY_NS))
        return (ours or sorted(self.asserted_types) or [None])[0]


def write_index(facts: Iterable[Fact], target: Path | str, version: str) -> sqlite3.Connection:
    """Write the index of these facts to `target` (a file, or ":memory:"), for `version`.

    The facts are staged in a temporary table and read back grouped by resource, so memory
    follows the largest resource, not the dataset. Returns the open connection.
    """
    db = sqlite3.connect(str(target), check_same_thread=False)
    db.executescript(SCHEMA_SQL)
    rows = ((fact.subject, fact.role, fact.value, fact.asserted) for fact in facts)
    while batch := list(islice(rows, BATCH)):
        db.executemany("INSERT INTO facts VALUES (?, ?, ?, ?)", batch)
    grouped = db.execute("SELECT * FROM facts ORDER BY subject")
    for iri, group in groupby(grouped, key=lambda row: row[0]):
        document = Document(iri)
        for row in group:
            document.add(Fact(row[0], row[1], row[2], bool(row[3])))
        _insert(db, document)
    db.execute("DROP TABLE facts")
    db.execute("INSERT INTO search(search) VALUES ('optimize')")
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("version", version), ("schema", SCHEMA)])
    db.commit()
    return db


def _insert(db: sqlite3.Connection, document: Document) -> None:
    text = document.text
    if not (document.labels or document.alts or text):
        return
    alts = [alt for alt in document.alts if alt not in document.labels]
    cursor = db.execute(
        "INSERT INTO documents (iri, facet, class, tier, labels, alts, text)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            document.iri,
            document.facet,
            document.shown_class,
            document.tier,
            json.dumps(document.labels),
            json.dumps(alts),
            "\n".join(text),
        ),
    )
    doc = cursor.lastrowid
    db.execute(
        "INSERT INTO search (rowid, labels, alts, text) VALUES (?, ?, ?, ?)",
        (doc, *(" ".join(stems(" ".join(part))) for part in (document.labels, alts, text))),
    )
    keys = {name_key(name) for name in (*document.labels, *alts)} - {""}
    db.executemany("INSERT INTO names VALUES (?, ?)", [(doc, key) for key in keys])


def index_version(path: Path) -> str | None:
    """The version of the dataset an index file was built from, or None if it is not one."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            found = dict(db.execute("SELECT key, value FROM meta").fetchall())
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return None
    return found.get("version") if found.get("schema") == SCHEMA else None
