"""The extra panels of class and property pages: hierarchy, instances, domain, range, usage.

Long lists (a class's instances, the ontology's terms) come 100 at a time (`?page=N`) and can
be narrowed by a plain GET form (`?filter=`), so they work without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import request
from rdflib.namespace import OWL

from . import display, terms, views
from .describe import Description
from .terms import Term

PAGE_SIZE = 100
Item = TypeVar("Item")


@dataclass
class Paged(Generic[Item]):
    """One page of a list narrowed by the request's `filter`, and how to reach the others."""

    items: list[Item]
    number: int
    pages: int
    matched: int
    filter: str

    def href(self, number: int) -> str:
        """The link to page `number` under the same filter."""
        query = {"page": number, **({"filter": self.filter} if self.filter else {})}
        return "?" + urlencode(query)


def paged(items: list[Item], text: Callable[[Item], str]) -> Paged[Item]:
    """The requested page (`?page=N`, clamped into range) of the items whose `text` contains
    the requested `?filter=`, ignoring case."""
    wanted = request.args.get("filter", "").strip()[:200]
    if wanted:
        items = [item for item in items if wanted.casefold() in text(item).casefold()]
    pages = max(1, -(-len(items) // PAGE_SIZE))
    asked = request.args.get("page", "1")
    number = min(max(int(asked) if asked.isdigit() else 1, 1), pages)
    start = (number - 1) * PAGE_SIZE
    return Paged(items[start : start + PAGE_SIZE], number, pages, len(items), wanted)


@dataclass
class ClassPanel:
    """A class: the classes above and below it, and its instances, stated or inferred."""

    superclasses: list[tuple[Term, int]]
    subclasses: list[Term]
    instances: list[tuple[Term, bool]]
    queries: dict[str, str]
    page: Paged[tuple[Term, bool]]

    @property
    def asserted_count(self) -> int:
        return sum(1 for _, asserted in self.instances if asserted)


@dataclass
class PropertyPanel:
    """A property: its axioms and how many triples use it, stated and inferred."""

    axioms: list[tuple[Term, list[Term]]]
    usage: dict[str, int] = field(default_factory=dict)
    queries: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.usage.values())


def _types(description: Description) -> set[str]:
    return {fact.value.value for fact in description.types}


def class_panel(description: Description) -> ClassPanel | None:
    """The class panel, when the resource is a class."""
    if not _types(description) & display.CLASS_TYPES:
        return None
    node = ox.NamedNode(description.iri)
    superclasses, subclasses = [], []
    for row in views.rows("class-hierarchy", this=node):
        found = terms.term(row["class"])
        if row["relation"] is not None and row["relation"].value == "super":
            superclasses.append((found, int(row["distance"].value) if row["distance"] else 1))
        else:
            subclasses.append(found)
    instances = [
        (terms.term(row["instance"]), bool(row["asserted"] and row["asserted"].value == "1"))
        for row in views.rows("class-instances", this=node)
    ]
    instances.sort(key=lambda item: (not item[1], item[0].text.lower()))
    return ClassPanel(
        sorted(superclasses, key=lambda item: (item[1], item[0].text.lower())),
        sorted(subclasses, key=lambda item: item.text.lower()),
        instances,
        {
            name: views.sparql_href(name, this=node)
            for name in ("class-hierarchy", "class-instances")
        },
        paged(instances, lambda item: item[0].text),
    )


def property_panel(description: Description) -> PropertyPanel | None:
    """The property panel, when the resource is a property."""
    if not _types(description) & display.PROPERTY_TYPES:
        return None
    node = ox.NamedNode(description.iri)
    by_property = {group.property.value: group for group in description.outgoing}
    axioms = [
        (by_property[prop].property, [fact.value for fact in by_property[prop].facts])
        for prop in display.PROPERTY_AXIOMS
        if prop in by_property
    ]
    usage: dict[str, int] = {}
    for row in views.rows("property-usage", this=node):
        kind = terms.graph_kind(row["graph"].value if row["graph"] else None)
        usage[kind] = usage.get(kind, 0) + int(row["triples"].value if row["triples"] else 0)
    return PropertyPanel(
        axioms, usage, {"property-usage": views.sparql_href("property-usage", this=node)}
    )


@dataclass
class OntologyTerm:
    term: Term
    kind: str
    definition: str
    uses: int


@dataclass
class TermIndex:
    """The ontology's terms a page at a time, and the order of their kinds."""

    page: Paged[OntologyTerm]
    kinds: list[str]

    @property
    def groups(self) -> list[tuple[str, list[OntologyTerm]]]:
        """This page's terms grouped by kind, in the order of the kinds."""
        return [
            (kind, [item for item in self.page.items if item.kind == kind])
            for kind in self.kinds
            if any(item.kind == kind for item in self.page.items)
        ]


def ontology_terms() -> TermIndex:
    """Every class and property of the ontology, by kind, for the ontology page."""
    kinds = {
        str(OWL.Class): "Classes",
        str(OWL.ObjectProperty): "Object properties",
        str(OWL.DatatypeProperty): "Datatype properties",
        str(OWL.AnnotationProperty): "Annotation properties",
    }
    found: dict[str, list[OntologyTerm]] = {name: [] for name in kinds.values()}
    for row in views.rows("ontology-terms"):
        kind = kinds[row["kind"].value]
        definition = row["definition"].value if row["definition"] is not None else ""
        found[kind].append(
            OntologyTerm(terms.term(row["term"]), kind, definition, int(row["uses"].value))
        )
    for items in found.values():
        items.sort(key=lambda item: item.term.text.lower())
    every = [item for items in found.values() for item in items]
    page = paged(every, lambda item: f"{item.term.text} {item.term.value} {item.definition}")
    return TermIndex(page, list(found))
