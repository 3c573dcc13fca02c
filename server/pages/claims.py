"""The claims a source makes and the argument links between them, for the reader and the map.

Read from two view queries, `argument-claims` and `argument-links`, once per page render. The
relations are keyed by their local name in the ontology, so the phrases a page writes for each
are reviewed here as a list, in the order the pages show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..project import ONTOLOGY_NS
from . import terms, views
from .describe import reader_href
from .terms import Term


@dataclass(frozen=True)
class Relation:
    """How a page words one kind of argument link, from either end."""

    name: str  # the property's local name in the ontology
    outgoing: str  # "A {outgoing} B"
    incoming: str  # "B {incoming} A"
    legend: str
    directed: bool = True  # "contrasts with" is symmetric: drawn without an arrowhead


RELATIONS: tuple[Relation, ...] = (
    Relation("supports", "supports", "supported by", "supports"),
    Relation("statesCauseOf", "is a cause of", "caused by", "states a cause of"),
    Relation("isRationaleFor", "is the rationale for", "has as rationale", "is rationale for"),
    Relation("exemplifies", "is an example of", "exemplified by", "exemplifies"),
    Relation("elaborates", "elaborates", "elaborated by", "elaborates"),
    Relation("contrastsWith", "contrasts with", "contrasts with", "contrasts with", False),
    Relation("concedes", "concedes", "conceded by", "concedes"),
    Relation("isEmbeddedIn", "is reported within", "reports", "is embedded in (nesting)"),
)
BY_NAME = {relation.name: relation for relation in RELATIONS}
NESTING = "isEmbeddedIn"


@dataclass(eq=False)
class Related:
    """A claim seen from another one: the relation's phrase and the claim at the other end."""

    relation: Relation
    claim: Claim
    outgoing: bool

    @property
    def phrase(self) -> str:
        return self.relation.outgoing if self.outgoing else self.relation.incoming


@dataclass(eq=False)  # compared and hashed by identity: claims refer to each other
class Claim:
    """One claim with what the pages show of it: kind, factuality, holder, sentence, links."""

    term: Term
    sentence: str
    paragraph: int
    text: str
    kind: Term | None = None
    factuality: Term | None = None
    holder: Term | None = None
    cue: str | None = None
    thesis: bool = False
    outgoing: list[Related] = field(default_factory=list)
    incoming: list[Related] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.term.value.rsplit("/", 1)[-1]

    @property
    def anchor(self) -> str:
        """The sentence's anchor in the reader, `p2-s7`."""
        return self.sentence.rsplit("/", 1)[-1]

    @property
    def reader_href(self) -> str:
        return reader_href(self.sentence) or "#" + self.anchor

    @property
    def kind_class(self) -> str:
        return "kind-" + _local(self.kind).lower() if self.kind else "kind-none"

    @property
    def factuality_class(self) -> str:
        return "factuality-" + _local(self.factuality).lower() if self.factuality else ""

    @property
    def cue_is_quoted(self) -> bool:
        """Whether the cue is words of the sentence (quoted as such) or a curator's note."""
        return bool(self.cue) and self.cue in self.text

    @property
    def outer(self) -> Claim | None:
        """The claim this one is embedded in (the author reports that Tokyo feels...)."""
        return next((r.claim for r in self.outgoing if r.relation.name == NESTING), None)

    @property
    def inner(self) -> list[Claim]:
        return [r.claim for r in self.incoming if r.relation.name == NESTING]

    @property
    def links(self) -> list[Related]:
        """Argument links both ways, nesting aside, in the order of `RELATIONS`."""
        both = [r for r in self.outgoing + self.incoming if r.relation.name != NESTING]
        order = {relation.name: index for index, relation in enumerate(RELATIONS)}
        return sorted(both, key=lambda r: (not r.outgoing, order[r.relation.name]))


@dataclass(frozen=True)
class Link:
    """One asserted link, with the sentence that makes it."""

    source: Claim
    relation: Relation
    target: Claim
    sentence: str
    iri: str  # the relation's property


@dataclass
class Argument:
    """The claims of one source in reading order, and the links between them."""

    source: str
    claims: list[Claim]
    links: list[Link]

    @property
    def thesis(self) -> Claim | None:
        return next((claim for claim in self.claims if claim.thesis), None)

    def of_sentence(self, sentence: str) -> list[Claim]:
        return [claim for claim in self.claims if claim.sentence == sentence]

    @property
    def iris(self) -> set[str]:
        return {claim.term.value for claim in self.claims}


def _local(value: Term) -> str:
    return value.value.rsplit("/", 1)[-1]


def _node(row: views.Row, name: str) -> Term | None:
    value = row[name]
    return terms.term(value) if isinstance(value, ox.NamedNode) else None


def _claims(source: ox.NamedNode, texts: dict[str, str]) -> dict[str, Claim]:
    found: dict[str, Claim] = {}
    for row in views.rows("argument-claims", source=source):
        iri = row["claim"].value
        claim = found.get(iri)
        if claim is None:
            sentence = row["sentence"].value
            claim = found[iri] = Claim(
                terms.term(row["claim"]),
                sentence,
                int(row["paragraph"].value),
                texts.get(sentence, ""),
                _node(row, "kind"),
                _node(row, "factuality"),
                _node(row, "holder"),
            )
        if row["cue"] is not None and claim.cue is None:
            claim.cue = row["cue"].value
        if row["thesisOf"] is not None and row["thesisOf"].value == source.value:
            claim.thesis = True
    return found


def argument(source: str, texts: dict[str, str] | None = None) -> Argument:
    """The argument of `source`; `texts` maps sentence IRIs to their text, for quoting cues."""
    node = ox.NamedNode(source)
    claims = _claims(node, texts or {})
    links: list[Link] = []
    seen: set[tuple[Claim, Relation, Claim]] = set()
    for row in views.rows("argument-links", source=node):
        relation = BY_NAME.get(row["relation"].value.removeprefix(ONTOLOGY_NS))
        start, end = claims.get(row["from"].value), claims.get(row["to"].value)
        if relation is None or start is None or end is None:
            continue
        if (start, relation, end) in seen:
            continue  # one link stated by two sentences is drawn once
        seen.add((start, relation, end))
        links.append(Link(start, relation, end, row["sentence"].value, row["relation"].value))
        start.outgoing.append(Related(relation, end, True))
        end.incoming.append(Related(relation, start, False))
    return Argument(source, _reading_order(list(claims.values())), links)


def _reading_order(claims: list[Claim]) -> list[Claim]:
    """Claims as the view orders them (by sentence), each embedded claim after its outer one."""
    ordered: list[Claim] = []

    def place(claim: Claim) -> None:
        if claim not in ordered:
            ordered.append(claim)
            for inner in claim.inner:
                if inner.sentence == claim.sentence:
                    place(inner)

    for claim in claims:
        outer = claim.outer
        if outer is None or outer.sentence != claim.sentence:
            place(claim)
    for claim in claims:  # embedded in a claim of its own sentence that is itself embedded: rare
        place(claim)
    return ordered
