"""Suggestions for the curation panel: names ranked by label, filtered by domain and range.

The index is built once per dataset version from the built store, through the views
`curation-classes`, `curation-properties` and `curation-individuals`, and the label index the
pages share; ranking happens here, as search's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from rdflib.namespace import OWL, RDF, RDFS, XSD
from werkzeug.datastructures import MultiDict

from ..curie import curie
from ..pipeline.search_index import fold
from ..store.backend import get_store
from ..store.version_cache import per_version
from . import terms, views

ROLES = ("individual", "property", "class")
CACHE = "alliance_kg.pages.curation"
MAX_SUGGESTIONS = 20
SOURCE_GRAPH_NS = "https://w3id.org/alliance-kg/graph/source/"
ANY = {str(OWL.Thing), str(RDFS.Resource)}
ROLE_NAMES = {
    str(OWL.ObjectProperty): "object property",
    str(OWL.DatatypeProperty): "datatype property",
    str(OWL.AnnotationProperty): "annotation property",
}


@dataclass(frozen=True)
class Candidate:
    """Something a fact may name: its names (folded, main or not), role and what it fits."""

    iri: str
    label: str
    names: tuple[tuple[str, bool], ...]
    role: str  # individual, property or class
    kind: str  # its most specific type, as a label
    types: frozenset[str] = frozenset()  # an individual's classes and all above them
    sources: frozenset[str] = frozenset()  # the sources whose graphs type it
    domain: str | None = None
    range: str | None = None
    property_kind: str | None = None


@dataclass(frozen=True)
class Index:
    """Every candidate by IRI, and each class with the classes above it."""

    candidates: dict[str, Candidate]
    supers: dict[str, frozenset[str]]


def _index() -> Index:
    return per_version(current_app.extensions, CACHE, get_store(), _build_index)


def _build_index() -> Index:
    """Classes, properties and individuals with their labels, from the `curation-*` views."""
    supers: dict[str, set[str]] = {}
    retired: set[str] = set()
    for row in views.rows("curation-classes"):
        cls, above = row["class"].value, row["super"].value
        supers.setdefault(cls, {cls}).add(above)
        if row["deprecated"] is not None and row["deprecated"].value == "true":
            retired.add(cls)
    found: dict[str, Candidate] = {}
    for cls in supers.keys() - retired:
        found[cls] = _candidate(cls, "class", "class")
    for row in views.rows("curation-properties"):
        iri, kind = row["property"].value, row["kind"].value
        domain, range_ = (row[key].value if row[key] else None for key in ("domain", "range"))
        found[iri] = _candidate(
            iri, "property", ROLE_NAMES[kind], domain=domain, range=range_, property_kind=kind
        )
    closed = {cls: frozenset(above) for cls, above in supers.items()}
    for iri, (types, asserted, sources) in _individuals(closed).items():
        kind = _most_specific(asserted or types, closed)
        found[iri] = _candidate(iri, "individual", kind, types=types, sources=sources)
    return Index(found, closed)


def _individuals(
    supers: dict[str, frozenset[str]],
) -> dict[str, tuple[frozenset[str], set[str], frozenset[str]]]:
    """Each individual's classes with all above them, its asserted classes, its sources."""
    types: dict[str, set[str]] = {}
    asserted: dict[str, set[str]] = {}
    sources: dict[str, set[str]] = {}
    for row in views.rows("curation-individuals"):
        iri, cls, graph = row["resource"].value, row["class"].value, row["graph"].value
        types.setdefault(iri, set()).update(supers.get(cls, {cls}))
        if graph.startswith(SOURCE_GRAPH_NS):
            sources.setdefault(iri, set()).add(graph.removeprefix(SOURCE_GRAPH_NS))
        if graph.startswith(SOURCE_GRAPH_NS) or graph.endswith("/background"):
            asserted.setdefault(iri, set()).add(cls)
    return {
        iri: (frozenset(found), asserted.get(iri, set()), frozenset(sources.get(iri, ())))
        for iri, found in types.items()
    }


def _most_specific(classes: set[str] | frozenset[str], supers: dict[str, frozenset[str]]) -> str:
    """The label of the class no other of `classes` is below (the first by label if several)."""
    lowest = [c for c in classes if not any(c in supers.get(o, ()) for o in classes if o != c)]
    return min((terms.label_of(c) for c in lowest), default="")


def _candidate(iri: str, role: str, kind: str, **fits: Any) -> Candidate:
    label, alts = terms.all_labels().get(iri, (terms.label_of(iri), []))
    names = ((fold(label), True), *((fold(alt), False) for alt in alts))
    return Candidate(iri, label, names, role, kind, **fits)


def _quality(candidate: Candidate, wanted: str) -> tuple[int, int, int, str] | None:
    """How the best name matches: exact, prefix, then inside; main labels before others."""
    best = None
    for name, main in candidate.names:
        if not wanted or name == wanted:
            quality = 0
        elif name.startswith(wanted):
            quality = 1
        elif wanted in name:
            quality = 2
        else:
            continue
        score = (quality, 0 if main else 1, len(name), name)
        best = score if best is None or score < best else best
    return best


def _fits(candidate: Candidate, role: str, subject: Candidate | None, wanted: str | None) -> bool:
    """Of the role asked for, in the subject's domain (a property) or the range (a value)."""
    if candidate.role != role:
        return False
    if role == "property" and subject is not None and subject.types:
        return not candidate.domain or candidate.domain in ANY | subject.types
    if role == "individual" and wanted and wanted not in ANY:
        return wanted in candidate.types
    return True


def _expects(prop: Candidate | None) -> tuple[str, str | None, dict[str, str] | None]:
    """The role a property's value takes, the class it must fall under, or the literal."""
    if prop is None:
        return "individual", None, None
    if prop.iri == str(RDF.type):
        return "class", None, None
    if prop.property_kind == str(OWL.ObjectProperty):
        return "individual", prop.range, None
    annotation = prop.property_kind == str(OWL.AnnotationProperty)
    datatype = prop.range or str(RDF.langString if annotation else XSD.string)
    shown = {"datatype": datatype, "curie": curie(datatype) or datatype}
    return "literal", None, {**shown, "label": terms.DATATYPES.get(datatype, shown["curie"])}


def suggestions(args: MultiDict[str, str]) -> dict[str, object]:
    """The answer to `/curation/suggest` (ValueError for an unknown `kind`)."""
    index = _index()
    role = args.get("kind") or "individual"
    if role not in ROLES:
        raise ValueError(f"kind is one of {', '.join(ROLES)}")
    subject = index.candidates.get(args.get("subject", ""))
    prop_iri = args.get("property", "")
    prop = index.candidates.get(prop_iri) or (
        Candidate(prop_iri, "", (), "property", "") if prop_iri == str(RDF.type) else None
    )
    wanted_range, expects = None, None
    if role != "property" and prop is not None:
        role, wanted_range, expects = _expects(prop)
    results = [] if role == "literal" else _ranked(index, args, role, subject, wanted_range)
    return {"q": args.get("q", ""), "expects": expects, "results": results}


def _ranked(
    index: Index,
    args: MultiDict[str, str],
    role: str,
    subject: Candidate | None,
    wanted: str | None,
) -> list[dict[str, object]]:
    query = fold(" ".join(args.get("q", "").split()))
    source = args.get("source", "")
    limit = max(1, min(args.get("limit", type=int) or MAX_SUGGESTIONS, 100))
    scored = []
    for candidate in index.candidates.values():
        quality = _quality(candidate, query) if _fits(candidate, role, subject, wanted) else None
        if quality is not None:
            own = 0 if source in candidate.sources else 1
            scored.append(((quality[0], own, *quality[1:], candidate.iri), candidate))
    scored.sort(key=lambda item: item[0])
    return [
        {
            "iri": c.iri,
            "curie": curie(c.iri),
            "label": c.label,
            "kind": c.kind,
            "role": c.role,
            "in_source": source in c.sources,
        }
        for _, c in scored[:limit]
    ]
