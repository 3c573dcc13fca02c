"""How far the curation of each source has got: which sentences state a fact, which sentences
have every fact typed by a claim, and how many argument links join the claims.

Each figure is kept per paragraph, source or source graph, so that the figures of build units
checked apart merge by taking each other's keys (`Coverage.extend`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from ..curie import turtle_name
from ..project import PROVENANCE_GRAPH, SOURCE_NS, source_graph
from ..vocab import AKG, NIF
from .assemble import Assembly
from .claims import ARGUMENT_LINKS

CLAIM_TAGS = (AKG.claimKind, AKG.factuality, AKG.accordingTo)


@dataclass
class Coverage:
    """Per paragraph, how many body sentences support at least one asserted fact; per source,
    the same with whether it is complete, and how many sentences have every fact typed.

    A source marked `akg:isComplete false` is still being curated, so its coverage is a warning,
    not an error. A sentence is typed when each fact it states, other than the record of the
    argument itself, carries a claim kind, a factuality and a holder; one stating no such fact
    is not. `links` counts the argument links of each source graph by property.
    """

    paragraphs: dict[str, tuple[int, int]] = field(default_factory=dict)
    documents: dict[str, tuple[int, int, bool]] = field(default_factory=dict)
    typed: dict[str, tuple[int, int]] = field(default_factory=dict)
    links: dict[str, dict[str, int]] = field(default_factory=dict)

    def extend(self, other: Coverage) -> None:
        """Add the coverage of other sources, checked apart (in another build unit)."""
        self.paragraphs.update(other.paragraphs)
        self.documents.update(other.documents)
        self.typed.update(other.typed)
        self.links.update(other.links)

    @property
    def covered(self) -> int:
        return sum(c for c, _ in self.paragraphs.values())

    @property
    def total(self) -> int:
        return sum(t for _, t in self.paragraphs.values())

    @property
    def percent(self) -> float:
        return _percent(self.covered, self.total)

    @property
    def typed_sentences(self) -> int:
        return sum(c for c, _ in self.typed.values())

    @property
    def typed_percent(self) -> float:
        return _percent(self.typed_sentences, sum(t for _, t in self.typed.values()))

    def links_by_property(self) -> dict[str, int]:
        """The argument links of every source, by the prefixed name of their property."""
        counts: Counter[str] = Counter()
        for per_graph in self.links.values():
            counts.update(per_graph)
        return dict(sorted(counts.items()))

    @property
    def link_count(self) -> int:
        return sum(self.links_by_property().values())

    def warnings(self) -> list[str]:
        """One line per source still being curated, with its coverage."""
        return [
            f"warning: source {document.removeprefix(SOURCE_NS)} is incomplete "
            f"(akg:isComplete false): {c}/{t} sentences covered, {_percent(c, t):.1f} %; "
            "set akg:isComplete true when every sentence states a fact"
            for document, (c, t, complete) in sorted(self.documents.items())
            if not complete
        ]

    def lines(self) -> list[str]:
        rows = [
            f"  {paragraph.removeprefix(SOURCE_NS)}: {c}/{t} sentences, {_percent(c, t):.1f} %"
            for paragraph, (c, t) in sorted(self.paragraphs.items(), key=_paragraph_order)
        ]
        rows += [f"  {warning}" for warning in self.warnings()]
        rows.append(f"  total: {self.covered}/{self.total} sentences, {self.percent:.1f} %")
        return rows

    def claim_lines(self) -> list[str]:
        """Typed sentences per source and in total, then the argument links by property."""
        rows = [
            f"  {document.removeprefix(SOURCE_NS)}: {c}/{t} sentences, {_percent(c, t):.1f} %"
            for document, (c, t) in sorted(self.typed.items())
        ]
        total = sum(t for _, t in self.typed.values())
        rows.append(
            f"  total: {self.typed_sentences}/{total} sentences, {self.typed_percent:.1f} %"
        )
        by_property = ", ".join(f"{name} {n}" for name, n in self.links_by_property().items())
        rows.append(f"  argument links: {self.link_count}")
        if by_property:
            rows[-1] += f" ({by_property})"
        return rows


def _percent(covered: int, total: int) -> float:
    return 100.0 * covered / total if total else 100.0


def _paragraph_order(item: tuple[str, tuple[int, int]]) -> tuple[str, int]:
    head, _, number = item[0].rpartition("/p")
    return head, int(number) if number.isdigit() else 0


def is_complete(data: Graph, document: URIRef) -> bool:
    """A source is complete unless its description says `akg:isComplete false`."""
    flag = data.value(document, AKG.isComplete)
    return not (isinstance(flag, Literal) and flag.toPython() is False)


def coverage(assembly: Assembly) -> Coverage:
    """Sentence coverage per paragraph and per source, typed sentences per source, and
    argument links per source graph, from the text, source and provenance graphs."""
    data = assembly.dataset
    cited = set(assembly.graph(PROVENANCE_GRAPH).objects(None, PROV.wasDerivedFrom))
    typed = typed_sentences(assembly)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    documents: dict[URIRef, list[int]] = defaultdict(lambda: [0, 0, 0])
    for sentence in set(data.subjects(RDF.type, NIF.Sentence)):
        paragraph = str(data.value(sentence, NIF.superString))
        document = data.value(sentence, NIF.referenceContext)
        for tally in (counts[paragraph], documents[document]):
            tally[1] += 1
            tally[0] += sentence in cited
        documents[document][2] += typed.get(sentence, False)
    return Coverage(
        {p: (c, t) for p, (c, t) in counts.items()},
        {str(d): (c, t, is_complete(data, d)) for d, (c, t, _) in documents.items()},
        {str(d): (n, t) for d, (_, t, n) in documents.items()},
        argument_links(assembly),
    )


def typed_sentences(assembly: Assembly) -> dict[URIRef, bool]:
    """For each sentence that states a fact of a source (not about a claim), whether every
    such fact's assertion carries a claim kind, a factuality and a holder."""
    provenance = assembly.graph(PROVENANCE_GRAPH)
    claims = set(assembly.dataset.subjects(RDF.type, AKG.Claim))
    typed: dict[URIRef, bool] = {}
    for statement, graph in provenance.subject_objects(AKG.assertedIn):
        if not str(graph).startswith(source_graph("")):
            continue
        if provenance.value(statement, RDF.subject) in claims:
            continue
        tagged = all((statement, tag, None) in provenance for tag in CLAIM_TAGS)
        for sentence in provenance.objects(statement, PROV.wasDerivedFrom):
            typed[sentence] = typed.get(sentence, True) and tagged
    return typed


def argument_links(assembly: Assembly) -> dict[str, dict[str, int]]:
    """The triples of each source graph whose property is an argument link, by property."""
    links: dict[str, dict[str, int]] = {}
    for name in assembly.asserted_graphs():
        if not name.startswith(source_graph("")):
            continue
        graph = assembly.graph(name)
        counts = {
            turtle_name(str(p)): n
            for p in ARGUMENT_LINKS
            if (n := sum(1 for _ in graph.triples((None, p, None))))
        }
        links[name] = counts
    return links
