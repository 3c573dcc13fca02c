"""Which claim each fact of a sentence belongs to, so that its assertion can say of what kind
it is, how sure, and according to whom (docs/data-model.md, "Claims").

A claim is written in the graph of the sentence that makes it and names, with `akg:covers`
(narrowed by `akg:coversProperty`), the resources whose facts in that graph state it. A fact no
claim covers takes the source's default, `akg:plainReportsAccordingTo`: a report, certain.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ..vocab import AKG

Triple = tuple

# The properties that link one claim to another in an argument (ontology/argument.ttl);
# akg:isEmbeddedIn, which nests one holder's claim in another's, is not an argument step.
ARGUMENT_LINKS = (
    AKG.supports,
    AKG.statesCauseOf,
    AKG.isRationaleFor,
    AKG.exemplifies,
    AKG.elaborates,
    AKG.contrastsWith,
    AKG.concedes,
)


@dataclass(frozen=True)
class ClaimTag:
    """What the assertion of a fact carries: its claim (None for the default), kind,
    factuality and holder; a field the curator left out is None, for the shapes to report."""

    claim: URIRef | None
    kind: URIRef | None
    factuality: URIRef | None
    holder: URIRef | None


@dataclass(frozen=True)
class Claim:
    tag: ClaimTag
    covers: frozenset[URIRef]
    properties: frozenset[URIRef]

    def covers_fact(self, triple: Triple) -> bool:
        return triple[0] in self.covers and (not self.properties or triple[1] in self.properties)


def claims_in(graph: Graph) -> list[Claim]:
    """The claims a sentence graph declares (`a akg:Claim`)."""
    claims = []
    for claim in sorted(set(graph.subjects(RDF.type, AKG.Claim))):
        tag = ClaimTag(
            claim,
            graph.value(claim, AKG.claimKind),
            graph.value(claim, AKG.factuality),
            graph.value(claim, AKG.accordingTo),
        )
        covers = frozenset(graph.objects(claim, AKG.covers))
        properties = frozenset(graph.objects(claim, AKG.coversProperty))
        claims.append(Claim(tag, covers, properties))
    return claims


def default_tag(holder: URIRef | None) -> ClaimTag | None:
    """The tag of a source's facts that no claim covers, if the source states a default."""
    return ClaimTag(None, AKG.Report, AKG.Certain, holder) if holder is not None else None


def is_about_claims(triple: Triple, claims: set[URIRef]) -> bool:
    """A triple describing a claim or linking claims is the argument's record, not a claim."""
    return triple[0] in claims


def tags_of(triple: Triple, claims: list[Claim]) -> list[ClaimTag]:
    """The claims that cover `triple`; one naming its property beats one covering every fact
    of its subject, so that a sentence can make two claims about one resource."""
    covering = [c for c in claims if c.covers_fact(triple)]
    narrow = [c for c in covering if c.properties]
    return [c.tag for c in narrow or covering]


def empty_covers(graph: Graph, claims: list[Claim]) -> list[tuple[URIRef, URIRef]]:
    """(claim, resource) pairs where a claim covers a resource none of whose facts in its
    graph it could cover: a misspelt IRI, or a claim written in the wrong sentence."""
    return [
        (claim.tag.claim, resource)
        for claim in claims
        for resource in sorted(claim.covers)
        if not any(claim.covers_fact(t) for t in graph.triples((resource, None, None)))
    ]
