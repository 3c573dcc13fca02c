"""One resource as a page shows it: its facts grouped by property, each with its sources.

Everything a template needs is computed here, once, from three view queries
(`entity-outgoing`, `entity-incoming`, `entity-provenance`); templates never query.
The facts listed are exactly the triples of the resource's RDF forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..project import GRAPH_NS, SOURCE_NS
from ..vocab import AKG
from . import display, terms, views
from .terms import Term

AKG_BACKGROUND_ASSERTION = str(AKG.BackgroundAssertion)
MAX_NEIGHBOURS = 30  # more would draw an unreadable hairball; the relations list them all


@dataclass
class Support:
    """Why a fact is in the graph: the sentence that states it, or a background basis."""

    segment: Term
    text: str | None
    basis: str | None
    reader_href: str | None
    background: bool


@dataclass
class Fact:
    """One triple of the description, with the graphs that hold it and its supports."""

    subject: Term
    property: Term
    value: Term
    sources: list[str] = field(default_factory=list)  # keys of terms.SOURCES
    supports: list[Support] = field(default_factory=list)

    @property
    def inferred(self) -> bool:
        return self.sources == ["inferred"]

    @property
    def other(self) -> Term:
        """The resource at the other end (for incoming facts, the subject)."""
        return self.subject


@dataclass
class Group:
    """The facts of one property, in one direction."""

    property: Term
    facts: list[Fact]

    @property
    def inferred_only(self) -> bool:
        return all(fact.inferred for fact in self.facts)


@dataclass
class Description:
    """Everything an entity page shows about one IRI."""

    iri: str
    label: str
    alt_labels: list[str]
    types: list[Fact]
    texts: list[Fact]
    outgoing: list[Group]
    incoming: list[Group]
    triples: list[ox.Triple]
    queries: dict[str, str]
    quads: list[ox.Quad] = field(default_factory=list)  # the triples in the graphs that hold them

    @property
    def counts(self) -> dict[str, int]:
        return {
            "out": sum(len(group.facts) for group in self.outgoing),
            "in": sum(len(group.facts) for group in self.incoming),
        }

    @property
    def fact_count(self) -> int:
        return len(self.triples)


def reader_href(segment: str) -> str | None:
    """The essay reader's link for a source `.../id/source/{slug}` or one of its segments."""
    if not segment.startswith(SOURCE_NS):
        return None
    parts = segment.removeprefix(SOURCE_NS).split("/")
    if len(parts) == 1:
        return f"/essay/{parts[0]}"
    if len(parts) != 2:
        return None
    return f"/essay/{parts[0]}#{parts[1]}"


def _supports(node: ox.NamedNode) -> dict[tuple[str, str, str], list[Support]]:
    found: dict[tuple[str, str, str], list[Support]] = {}
    for row in views.rows("entity-provenance", this=node):
        key = (str(row["subject"]), str(row["property"]), str(row["value"]))
        segment = row["segment"]
        if segment is None:
            continue
        text, basis = row["text"], row["basis"]
        support = Support(
            terms.term(segment),
            text.value if text is not None else None,
            basis.value if basis is not None else None,
            reader_href(segment.value) if text is not None else None,
            row["kind"] is not None and row["kind"].value == AKG_BACKGROUND_ASSERTION,
        )
        if all(existing.segment.value != segment.value for existing in found.get(key, [])):
            found.setdefault(key, []).append(support)
    return found


def _order(groups: dict[str, list[Fact]], first: tuple[str, ...]) -> list[Group]:
    rank = {iri: index for index, iri in enumerate(first)}

    def key(item: tuple[str, list[Fact]]) -> tuple[int, int, str]:
        iri, facts = item
        inferred_only = all(fact.inferred for fact in facts)
        return (rank.get(iri, len(rank)), int(inferred_only), terms.label_of(iri).lower())

    ordered = []
    for iri, facts in sorted(groups.items(), key=key):
        facts.sort(key=lambda fact: (fact.inferred, fact.value.text.lower(), fact.subject.text))
        ordered.append(Group(terms.term(ox.NamedNode(iri)), facts))
    return ordered


def _facts(
    node: ox.NamedNode, outgoing_rows: list[views.Row], incoming_rows: list[views.Row]
) -> tuple[dict[str, list[Fact]], dict[str, list[Fact]], list[ox.Triple], list[ox.Quad]]:
    """The facts in each direction by property IRI, and the distinct triples and quads (each
    triple once per graph holding it; computed facts in the default graph), in row order."""
    supports = _supports(node)
    this = terms.term(node)
    facts: dict[tuple[str, str, str], Fact] = {}
    triples: list[ox.Triple] = []
    quads: dict[ox.Quad, None] = {}
    by_direction: dict[str, dict[str, list[Fact]]] = {"out": {}, "in": {}}
    for direction, rows in (("out", outgoing_rows), ("in", incoming_rows)):
        for row in rows:
            prop = row["property"]
            subject = node if direction == "out" else row["subject"]
            value = row["value"] if direction == "out" else node
            key = (str(subject), str(prop), str(value))
            fact = facts.get(key)
            if fact is None:
                fact = facts[key] = Fact(
                    this if direction == "out" else terms.term(subject),
                    terms.term(prop),
                    terms.term(value) if direction == "out" else this,
                    supports=supports.get(key, []),
                )
                triples.append(ox.Triple(subject, prop, value))
                by_direction[direction].setdefault(prop.value, []).append(fact)
            graph = row.get("graph")
            held_in = graph if graph is not None else ox.DefaultGraph()  # computed: no graph
            quads[ox.Quad(subject, prop, value, held_in)] = None
            kind = terms.graph_kind(graph.value if graph is not None else None)
            if kind not in fact.sources:
                fact.sources.append(kind)
    for fact in facts.values():
        fact.sources.sort(key=lambda kind: (kind == "inferred", kind))
    return by_direction["out"], by_direction["in"], triples, list(quads)


def describe(iri: str) -> Description | None:
    """The description of `iri`, or None when the dataset says nothing about it."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:  # not an IRI at all: nothing can be known about it
        return None
    outgoing_rows = views.rows("entity-outgoing", this=node)
    if iri.startswith(GRAPH_NS):
        outgoing_rows = outgoing_rows + views.rows("graph-size", this=node)
    incoming_rows = views.rows("entity-incoming", this=node)
    if not outgoing_rows and not incoming_rows:
        return None
    outgoing, incoming, triples, quads = _facts(node, outgoing_rows, incoming_rows)
    out_groups = _order(outgoing, display.OUTGOING_ORDER)
    by_property = {group.property.value: group.facts for group in out_groups}
    return Description(
        iri=iri,
        label=terms.label_of(iri),
        alt_labels=terms.alt_labels(iri),
        types=by_property.get(display.TYPE, []),
        texts=[fact for prop in display.DESCRIPTIONS for fact in by_property.get(prop, [])],
        outgoing=out_groups,
        incoming=_order(incoming, display.INCOMING_ORDER),
        triples=triples,
        quads=quads,
        queries={
            name: views.sparql_href(name, this=node)
            for name in ("entity-outgoing", "entity-incoming", "entity-provenance")
        },
    )


def neighbourhood(description: Description) -> dict[str, list[dict[str, object]]]:
    """Nodes and edges of the resource and the IRIs it links to, for cytoscape.js."""
    nodes: dict[str, dict[str, object]] = {
        description.iri: {
            "id": description.iri,
            "label": description.label,
            "href": terms.local_href(description.iri),
            "centre": True,
        }
    }
    edges: list[dict[str, object]] = []
    for groups in (description.outgoing, description.incoming):
        for group in groups:
            if group.property.value == display.TYPE:  # kinds are in the header, not nodes
                continue
            for fact in group.facts:
                other = fact.value if groups is description.outgoing else fact.subject
                if other.kind != "iri" or other.value == description.iri:
                    continue
                if other.value not in nodes and len(nodes) >= MAX_NEIGHBOURS:
                    continue
                nodes.setdefault(
                    other.value, {"id": other.value, "label": other.text, "href": other.href}
                )
                source, target = fact.subject.value, fact.value.value
                edges.append(
                    {
                        "id": f"{source} {group.property.value} {target}",
                        "source": source,
                        "target": target,
                        "label": group.property.text,
                        "inferred": fact.inferred,
                    }
                )
    return {"nodes": list(nodes.values()), "edges": edges}
