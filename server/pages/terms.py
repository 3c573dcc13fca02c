"""How resources and literals read on a page: labels, local links, readable datatypes.

Labels come from one view query (`labels.rq`), indexed once per dataset version, so a page
names every IRI it shows without a query per IRI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

import pyoxigraph as ox
from flask import current_app
from markupsafe import Markup, escape
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from ..curie import curie
from ..project import BASE, GRAPH_NS, INFERRED_GRAPH
from ..store.backend import get_store
from ..store.version_cache import per_version
from . import display, views

CACHE = "alliance_kg.pages.labels"
TERMS = "alliance_kg.pages.terms"
LABEL_RANKS = {str(RDFS.label): 0, str(SKOS.prefLabel): 1}  # any other label property: 2
XSD_BOOLEAN, XSD_DATE = str(XSD.boolean), str(XSD.date)

DATATYPES: dict[str, str] = {
    str(XSD.string): "text",
    XSD_BOOLEAN: "yes or no",
    XSD_DATE: "date",
    str(XSD.dateTime): "date and time",
    str(XSD.gYear): "year",
    str(XSD.integer): "whole number",
    str(XSD.nonNegativeInteger): "whole number ≥ 0",
    str(XSD.positiveInteger): "whole number ≥ 1",
    str(XSD.decimal): "decimal number",
    str(XSD.anyURI): "web address",
    str(RDF.langString): "text",
}
LANGUAGES = {"en": "English", "ja": "Japanese"}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
SOURCES = {
    "stated": "stated by the source",
    "background": "background knowledge",
    "inferred": "inferred by the reasoner",
    "ontology": "ontology",
    "text": "text structure",
    "provenance": "provenance",
    "other": "computed from the dataset",
}


@dataclass(frozen=True)
class Term:
    """An RDF term ready to show: its text, its link, and for a literal its datatype."""

    kind: str  # "iri", "literal" or "bnode"
    value: str
    text: str
    href: str | None = None
    datatype: str | None = None  # a readable datatype name for literals
    language: str | None = None
    nt: str = ""  # the term in N-Triples, as the RDF forms of the page write it


def local_href(iri: str) -> str:
    """Where this server shows an IRI: its own path under the base, else `/resource?iri=`."""
    if iri.startswith(BASE) and len(iri) > len(BASE):
        return "/" + quote(iri[len(BASE) :], safe="/:@!$&'()*+,;=-._~")
    return "/resource?iri=" + quote(iri, safe="")


def graph_kind(graph: str | None) -> str:
    """Which kind of knowledge a named graph holds, as one of the keys of `SOURCES`."""
    if graph is None:
        return "other"
    if graph == INFERRED_GRAPH:
        return "inferred"
    name = graph.removeprefix(GRAPH_NS)
    head = name.split("/", 1)[0]
    return (
        head
        if head in {"background", "ontology", "text", "provenance"}
        else ("stated" if head == "source" else "other")
    )


def _labels() -> dict[str, tuple[str, list[str]]]:
    return per_version(current_app.extensions, CACHE, get_store(), _label_index)


def _label_index() -> dict[str, tuple[str, list[str]]]:
    ranked: dict[str, list[tuple[int, str]]] = {}
    alts: dict[str, list[str]] = {}
    for row in views.rows("labels"):
        resource, label, prop, graph = (
            row["resource"],
            row["label"],
            row["labelProperty"],
            row["graph"],
        )
        if not isinstance(resource, ox.NamedNode) or not isinstance(label, ox.Literal):
            continue
        rank = LABEL_RANKS.get(prop.value if prop else "", 2)
        if label.language not in (None, "en"):
            rank += 3
        if graph is not None and graph.value == INFERRED_GRAPH:
            rank += 6
        ranked.setdefault(resource.value, []).append((rank, label.value))
        if rank % 3 == 2 and label.value not in alts.setdefault(resource.value, []):
            alts[resource.value].append(label.value)
    return {
        iri: (min(choices)[1], [alt for alt in alts.get(iri, []) if alt != min(choices)[1]])
        for iri, choices in ranked.items()
    }


def label_of(iri: str) -> str:
    """The best label of an IRI, else its prefixed name, else the IRI itself."""
    found = _labels().get(iri)
    if found:
        return found[0]
    return display.FALLBACK_LABELS.get(iri) or curie(iri) or iri


def alt_labels(iri: str) -> list[str]:
    found = _labels().get(iri)
    return list(found[1]) if found else []


def all_labels() -> dict[str, tuple[str, list[str]]]:
    """Every labelled IRI with its label and alternative labels (for search)."""
    return _labels()


def readable_literal(literal: ox.Literal) -> str:
    """A literal as a person reads it: dates spelt out, booleans as yes or no."""
    value, datatype = literal.value, literal.datatype.value
    if datatype == XSD_BOOLEAN:
        return "yes" if value in ("true", "1") else "no"
    if datatype == XSD_DATE and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        year, month, day = value.split("-")
        return f"{int(day)} {MONTHS[int(month) - 1]} {year}"
    return value


def term(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> Term:
    """Any RDF term as a `Term` to show (IRIs are made once per dataset version)."""
    if isinstance(node, ox.NamedNode):
        cache = _term_cache()
        found = cache.get(node.value)
        if found is None:
            found = cache[node.value] = _make_term(node)
        return found
    return _make_term(node)


def _term_cache() -> dict[str, Term]:
    return per_version(current_app.extensions, TERMS, get_store(), dict)


def _make_term(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> Term:
    if isinstance(node, ox.NamedNode):
        return Term("iri", node.value, label_of(node.value), local_href(node.value), nt=str(node))
    if isinstance(node, ox.Literal):
        iri = node.datatype.value
        datatype = DATATYPES.get(iri) or curie(iri) or iri
        language = node.language
        return Term(
            "literal",
            node.value,
            readable_literal(node),
            datatype=datatype,
            language=LANGUAGES.get(language, language) if language else None,
            nt=str(node),
        )
    if isinstance(node, ox.BlankNode):
        return Term("bnode", node.value, "anonymous resource", nt=str(node))
    return Term("literal", "", "(none)")


@lru_cache(maxsize=8192)
def term_html(value: Term) -> Markup:
    """A term as HTML: a link with its label, or a literal with its datatype. All escaped."""
    if value.kind == "iri":
        href, iri, text = escape(value.href), escape(value.value), escape(value.text)
        return Markup(f'<a href="{href}" title="{iri}">{text}</a>')
    if value.kind == "literal":
        html = f'<span class="literal">{escape(value.text)}</span>'
        if value.datatype and value.datatype != "text":
            nt, datatype = escape(value.nt), escape(value.datatype)
            html += f' <span class="datatype" title="{nt}">{datatype}</span>'
        if value.language:
            html += f' <span class="datatype">{escape(value.language)}</span>'
        return Markup(html)
    return Markup(f'<span class="bnode">{escape(value.text)}</span>')


def term_for(iri: str) -> Term:
    """The `Term` of an IRI given as text."""
    return term(ox.NamedNode(iri))
