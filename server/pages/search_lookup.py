"""Questions to the full-text index (`pipeline.search_index`): matches, facets and snippets.

A reader's words become an FTS5 query only as quoted phrases of their stems, so no input can be
read as FTS5 syntax. Snippets are the index's own `highlight()` marks, carried from the stemmed
words it holds back onto the words of the original text.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..pipeline.search_index import (
    FACET_CLASSES,
    OTHER_FACET,
    SENTENCE_FACET,
    TERM_FACET,
    name_key,
    spans,
    stems,
)

MAX_QUERY_CHARS = 200
MAX_WORDS = 16
MIN_PREFIX = 2  # a one-letter prefix would match most of the index
UNFINISHED = 2  # letters a word being typed may lack before its stem (betraya, betray)
WEIGHTS = (10.0, 5.0, 1.0)  # labels, alternative labels, descriptions and sentences
FACET_ORDER = (*FACET_CLASSES, SENTENCE_FACET, TERM_FACET, OTHER_FACET)
OPEN, CLOSE = "\x02", "\x03"
CONTEXT_BEFORE, CONTEXT_AFTER = 8, 24  # words of a long text shown around its first match

RANKED_SQL = f"""
SELECT d.id, d.iri, d.facet, d.class, d.labels, d.alts, d.text,
    CASE WHEN EXISTS (SELECT 1 FROM names n WHERE n.doc = d.id AND n.key = :key) THEN 0
         WHEN EXISTS (SELECT 1 FROM names n WHERE n.doc = d.id
                      AND n.key >= :key AND n.key < :key || char(1114111)) THEN 1
         ELSE 2 END AS closeness
FROM search JOIN documents d ON d.id = search.rowid
WHERE search MATCH :match AND (:facet = '' OR d.facet = :facet)
ORDER BY d.tier, closeness, bm25(search, {", ".join(map(str, WEIGHTS))}), d.iri
LIMIT :limit OFFSET :offset
"""
FACETS_SQL = """
SELECT d.facet, count(*) FROM search JOIN documents d ON d.id = search.rowid
WHERE search MATCH :match GROUP BY d.facet
"""
MARKS_SQL = f"""
SELECT rowid, highlight(search, 0, '{OPEN}', '{CLOSE}'), highlight(search, 1, '{OPEN}', '{CLOSE}'),
    highlight(search, 2, '{OPEN}', '{CLOSE}')
FROM search WHERE search MATCH ? AND rowid IN (SELECT value FROM json_each(?))
"""


@dataclass(frozen=True)
class Match:
    """A matching resource: its facet and class, the name that matched, a marked snippet."""

    iri: str
    facet: str
    cls: str | None
    labels: tuple[str, ...]
    matched: str | None  # the label or alternative label that matched, if one did
    marked_names: dict[str, Markup]  # names with matched words, those words marked
    snippet: Markup | None  # the description or sentence that matched, its words marked


@dataclass(frozen=True)
class Answer:
    """One page of matches, best first, and how many match in each facet."""

    matches: list[Match]
    facets: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.facets.values())


def match_expression(query: str) -> str | None:
    """The FTS5 query for a reader's words: each word a quoted phrase of its stems ("F-22" is
    the phrase "f 22"), all required; a last word of two letters or more is also a prefix,
    cut short by a letter or two past four ("japa" finds Japan, "relati" finds relations).
    None when no word is left."""
    words = [stems(word) for word in query[:MAX_QUERY_CHARS].split()[:MAX_WORDS]]
    words = [word for word in words if word]
    if not words:
        return None
    last = words[-1][-1]
    prefix = len(last) >= MIN_PREFIX and last.isalpha()
    if prefix:  # a word being typed has no stem yet: "betraya" must still find "betray"
        words[-1] = [*words[-1][:-1], last[: max(MIN_PREFIX + 2, len(last) - UNFINISHED)]]
    quoted = " ".join('"' + " ".join(word).replace('"', '""') + '"' for word in words)
    return quoted + "*" if prefix else quoted


def lookup(
    db: sqlite3.Connection, query: str, facet: str = "", limit: int = 50, offset: int = 0
) -> Answer:
    """The matches for `query`, in `facet` if one is given: individuals first, then sentences,
    then ontology terms; within those, a name equal to the query, then one starting with it,
    then by bm25."""
    match = match_expression(query)
    if match is None:
        return Answer([], {})
    facets = dict(db.execute(FACETS_SQL, {"match": match}).fetchall())
    params = {
        "match": match,
        "key": name_key(query[:MAX_QUERY_CHARS]),
        "facet": facet,
        "limit": limit,
        "offset": offset,
    }
    rows = db.execute(RANKED_SQL, params).fetchall()
    marks = {
        row[0]: row[1:]
        for row in db.execute(MARKS_SQL, (match, json.dumps([row[0] for row in rows])))
    }
    matches = [_match(row, marks[row[0]], params["key"]) for row in rows]
    return Answer(matches, {key: facets[key] for key in FACET_ORDER if key in facets})


def _match(row: tuple, marked: tuple[str, str, str], key: str) -> Match:
    iri, facet, cls, labels_json, alts_json, text = row[1:7]
    labels = json.loads(labels_json)
    named = dict([*_name_marks(labels, marked[0]), *_name_marks(json.loads(alts_json), marked[1])])
    keys = {name: name_key(name) for name in named}
    matched = (
        next((name for name in named if keys[name] == key), None)
        or next((name for name in named if keys[name].startswith(key)), None)
        or next((name for name, words in named.items() if words), None)
    )
    text_marks = _positions(marked[2])
    return Match(
        iri,
        facet,
        cls,
        tuple(labels),
        matched,
        {name: _snippet(name, words) for name, words in named.items() if words},
        _snippet(text, text_marks) if text_marks else None,
    )


def _positions(highlighted: str) -> set[int]:
    """Which words of a stemmed column `highlight()` marked (a phrase spans several)."""
    marked, inside = set(), False
    for position, word in enumerate(highlighted.split()):
        inside = inside or OPEN in word
        if inside:
            marked.add(position)
        if CLOSE in word:
            inside = False
    return marked


def _name_marks(names: list[str], highlighted: str) -> list[tuple[str, set[int]]]:
    """Each name of a column with the positions of its own words that were marked."""
    positions, start, found = _positions(highlighted), 0, []
    for name in names:
        count = len(spans(name))
        found.append((name, {p - start for p in positions if start <= p < start + count}))
        start += count
    return found


def _snippet(text: str, marked: set[int]) -> Markup:
    """`text` escaped with its marked words in `<mark>`; a long one cut around the first."""
    words = spans(text)
    shown = CONTEXT_BEFORE + CONTEXT_AFTER
    first = max(0, min(marked) - CONTEXT_BEFORE) if len(words) > shown and marked else 0
    last = min(len(words), first + shown) if len(words) > shown else len(words)
    start = words[first][0] if first else 0
    end = words[last - 1][1] if last < len(words) else len(text)
    pieces = [Markup("… ") if start else Markup("")]
    cursor, position = start, first
    while position < last:
        if position not in marked:
            position += 1
            continue
        run_end = position
        while run_end + 1 < last and run_end + 1 in marked:
            run_end += 1
        begin, finish = words[position][0], words[run_end][1]
        pieces += [escape(text[cursor:begin]), Markup("<mark>%s</mark>") % text[begin:finish]]
        cursor, position = finish, run_end + 1
    pieces += [escape(text[cursor:end]), Markup(" …") if end < len(text) else Markup("")]
    return Markup("").join(pieces)
