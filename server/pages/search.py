"""Search over labels and alternative labels, ranked: `/search?q=` and `/search.json?q=`.

The index is the `labels` and `resource-kinds` views, read once per dataset version; ranking
happens here, so autocomplete answers in well under a millisecond.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from ..store.backend import get_store
from ..store.version_cache import per_version
from . import display, terms, views

bp = Blueprint("search", __name__)

CACHE = "alliance_kg.pages.search"
MAX_RESULTS = 50
MAX_SUGGESTIONS = 10
MAX_QUERY_CHARS = 200


@dataclass(frozen=True)
class Entry:
    iri: str
    label: str
    names: tuple[tuple[str, bool], ...]  # (folded name, is the main label)
    kind: str


@dataclass(frozen=True)
class Hit:
    """A search result: the resource, its label, the name that matched, and its kind."""

    iri: str
    label: str
    matched: str
    kind: str
    href: str
    score: tuple[int, ...]


def fold(text: str) -> str:
    """Lower case without accents or typographic quotes, so "abe" finds "Abe’s"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _index() -> list[Entry]:
    return per_version(current_app.extensions, CACHE, get_store(), _entries)


def _entries() -> list[Entry]:
    kinds: dict[str, str] = {}
    for row in views.rows("resource-kinds"):
        resource, cls = row["resource"], row["class"]
        if resource is not None and cls is not None and resource.value not in kinds:
            kinds[resource.value] = terms.label_of(cls.value)
    entries = []
    for iri, (label, alts) in terms.all_labels().items():
        names = ((fold(label), True), *((fold(alt), False) for alt in alts))
        entries.append(Entry(iri, label, names, kinds.get(iri, "")))
    return entries


def _namespace_rank(iri: str) -> int:
    if any(iri.startswith(prefix) for prefix in display.SEARCH_DEMOTED):
        return len(display.SEARCH_NAMESPACES)
    for rank, prefix in enumerate(display.SEARCH_NAMESPACES):
        if iri.startswith(prefix):
            return rank
    return len(display.SEARCH_NAMESPACES) + 1


def _match(name: str, wanted: str) -> int | None:
    """How well a folded name matches: 0 exact, 1 prefix, 2 word prefix, 3 inside; or None."""
    if name == wanted:
        return 0
    if name.startswith(wanted):
        return 1
    if re.search(r"(?<![\w])" + re.escape(wanted), name):
        return 2
    if wanted in name:
        return 3
    return None


def ranked(query: str) -> list[Hit]:
    """Resources whose label or alternative label contains every word of `query`, best first."""
    wanted = fold(" ".join(query.split()))[:MAX_QUERY_CHARS]
    if not wanted:
        return []
    words = wanted.split()
    hits = []
    for entry in _index():
        best: tuple[int, int, int] | None = None
        for name, main in entry.names:
            quality = _match(name, wanted)
            if quality is None and len(words) > 1 and all(word in name for word in words):
                quality = 4
            if quality is None:
                continue
            score = (quality, 0 if main else 1, len(name))
            if best is None or score < best:
                best, matched = score, name
        if best is None:
            continue
        shown = next(
            (
                original
                for original in (entry.label, *terms.alt_labels(entry.iri))
                if fold(original) == matched
            ),
            entry.label,
        )
        hits.append(
            Hit(
                entry.iri,
                entry.label,
                shown,
                entry.kind,
                terms.local_href(entry.iri),
                (best[0], _namespace_rank(entry.iri), best[1], best[2]),
            )
        )
    hits.sort(key=lambda hit: (hit.score, hit.label.lower()))
    return hits[:MAX_RESULTS]


@bp.route("/search", methods=["GET", "HEAD"])
def search_page() -> str:
    """The results page: works without JavaScript."""
    query = request.args.get("q", "")
    return render_template("search.html", q=query, hits=ranked(query) if query.strip() else [])


@bp.route("/search.json", methods=["GET", "HEAD"])
def search_json() -> Response:
    """Suggestions for the autocomplete: label, matched name, kind and local link."""
    query = request.args.get("q", "")
    limit = request.args.get("limit", type=int) or MAX_SUGGESTIONS
    hits = ranked(query)[: max(1, min(limit, MAX_RESULTS))]
    return jsonify(
        {
            "q": query,
            "results": [
                {
                    "iri": hit.iri,
                    "label": hit.label,
                    "matched": hit.matched,
                    "kind": hit.kind,
                    "href": hit.href,
                }
                for hit in hits
            ],
        }
    )
