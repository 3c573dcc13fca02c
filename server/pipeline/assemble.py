"""Put the parsed files together into the dataset's named graphs, deriving provenance.

Each fact file's sentence graphs become the source's one asserted graph; every triple gets a
reified statement in the provenance graph that points at the segments that state it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from ..project import (
    BACKGROUND_GRAPH,
    BACKGROUND_NS,
    ONTOLOGY_GRAPH,
    PROVENANCE_GRAPH,
    STATEMENT_NS,
    source_graph,
    source_iri,
    text_graph,
)
from ..vocab import AKG
from .claims import ClaimTag, claims_in, default_tag, empty_covers, is_about_claims, tags_of
from .loading import SourceFile, Sources
from .problems import Problem

Triple = tuple[URIRef, URIRef, URIRef | Literal]


@dataclass
class Assembly:
    """The asserted dataset, and which segments each fact came from."""

    dataset: Dataset = field(default_factory=lambda: Dataset(default_union=True))
    support: dict[tuple[str, Triple], set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    claims: dict[tuple[str, Triple], set[ClaimTag]] = field(
        default_factory=lambda: defaultdict(set)
    )
    problems: list[Problem] = field(default_factory=list)

    def graph(self, iri: str) -> Graph:
        return self.dataset.graph(URIRef(iri))

    def asserted_graphs(self) -> list[str]:
        """The graphs holding facts: every source graph and the background graph."""
        names = {str(g.identifier) for g in self.dataset.graphs() if len(g)}
        return sorted(n for n in names if n.startswith(source_graph("")) or n == BACKGROUND_GRAPH)


def statement_iri(graph: str, triple: Triple) -> URIRef:
    """A stable IRI for the statement of `triple` in `graph`, so rebuilds keep identifiers."""
    key = " ".join(term.n3() for term in triple) + " " + graph
    return URIRef(STATEMENT_NS + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16])


def _add_facts(assembly: Assembly, facts: SourceFile) -> None:
    slug = facts.path.stem
    segments = source_iri(slug) + "/"
    asserted = assembly.graph(source_graph(slug))
    background = assembly.graph(BACKGROUND_GRAPH)
    provenance = assembly.graph(PROVENANCE_GRAPH)
    default_graph = facts.default_graph()
    for triple in default_graph:
        provenance.add(triple)
    default = default_tag(
        default_graph.value(URIRef(source_iri(slug)), AKG.plainReportsAccordingTo)
    )
    claim_iris = set(facts.merged().subjects(RDF.type, AKG.Claim))
    for named in facts.named_graphs():
        name = URIRef(str(named.identifier))
        if name.startswith(segments):
            target, target_iri = asserted, source_graph(slug)
        elif name.startswith(BACKGROUND_NS):
            target, target_iri = background, BACKGROUND_GRAPH
        else:
            line = facts.line_of(name)
            message = (
                f"graph name is neither a segment of {source_iri(slug)} nor a background resource"
            )
            assembly.problems.append(Problem(facts.name, line, "graph-name", str(name), message))
            continue
        claims = claims_in(named) if target is asserted else []
        _check_claims(assembly, facts, named, claims, name)
        for triple in named:
            if any(isinstance(term, BNode) for term in triple):
                line = facts.line_of(str(triple[0]))
                message = "blank nodes are not allowed in facts: give the resource an IRI"
                assembly.problems.append(
                    Problem(facts.name, line, "blank-node", str(name), message)
                )
                continue
            target.add(triple)
            assembly.support[(target_iri, triple)].add(name)
            if target is asserted and not is_about_claims(triple, claim_iris):
                tags = tags_of(triple, claims) or ([default] if default else [])
                assembly.claims[(target_iri, triple)].update(tags)


def _check_claims(
    assembly: Assembly, facts: SourceFile, named: Graph, claims: list, name: URIRef
) -> None:
    """A claim belongs in a sentence graph and covers a resource described there."""
    if not claims and any(named.subjects(RDF.type, AKG.Claim)):
        for claim in named.subjects(RDF.type, AKG.Claim):
            message = "a claim is made by a sentence: write it in a sentence's graph"
            assembly.problems.append(
                Problem(facts.name, facts.line_of(str(claim)), "claim-graph", str(claim), message)
            )
    for claim, resource in empty_covers(named, claims):
        message = (
            f"claim covers {resource}, but no fact about it in {name} is one it could cover: "
            "write the claim in the graph of the sentence that states those facts"
        )
        assembly.problems.append(
            Problem(facts.name, facts.line_of(str(claim)), "claim-covers", str(claim), message)
        )


def _add_provenance(assembly: Assembly) -> None:
    provenance = assembly.graph(PROVENANCE_GRAPH)
    for (graph, triple), segments in assembly.support.items():
        statement = statement_iri(graph, triple)
        kind = AKG.BackgroundAssertion if graph == BACKGROUND_GRAPH else AKG.Assertion
        provenance.add((statement, RDF.type, kind))
        provenance.add((statement, RDF.subject, triple[0]))
        provenance.add((statement, RDF.predicate, triple[1]))
        provenance.add((statement, RDF.object, triple[2]))
        provenance.add((statement, AKG.assertedIn, URIRef(graph)))
        for segment in segments:
            provenance.add((statement, PROV.wasDerivedFrom, segment))
        for tag in assembly.claims.get((graph, triple), ()):
            for prop, value in (
                (AKG.partOfClaim, tag.claim),
                (AKG.claimKind, tag.kind),
                (AKG.factuality, tag.factuality),
                (AKG.accordingTo, tag.holder),
            ):
                if value is not None:
                    provenance.add((statement, prop, value))


def assemble(sources: Sources) -> Assembly:
    """The dataset's asserted graphs from parsed sources (graph IRIs in docs/data-model.md)."""
    assembly = Assembly()
    ontology = assembly.graph(ONTOLOGY_GRAPH)
    for module in sources.ontology:
        for triple in module.merged():
            ontology.add(triple)
    for text in sources.texts:
        target = assembly.graph(text_graph(text.path.stem))
        for triple in text.merged():
            target.add(triple)
    for facts in sources.facts:
        _add_facts(assembly, facts)
    _add_provenance(assembly)
    return assembly
