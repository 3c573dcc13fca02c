"""Run HermiT through owlready2 over ontology and facts: check consistency, and materialise
what the ontology licenses (class memberships, inverses, transitive closures, chains)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import owlready2
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from ..project import ID_NS, INFERRED_GRAPH
from ..vocab import AKG

log = logging.getLogger(__name__)


class ReasonerFailure(Exception):
    """The reasoner could not check the ontology: it is inconsistent, or not OWL 2 DL."""


class Inconsistent(ReasonerFailure):
    """The ontology and the data contradict each other."""


# Modules are merged already, and imports would be fetched. A claim's akg:coversProperty names
# a property as its object: HermiT would pun the property as an individual, and owlready2
# cannot read back what HermiT then derives.
LEFT_TO_THE_DATA = (OWL.imports, AKG.coversProperty)


def reasoner_input(graphs: list[Graph]) -> Graph:
    """The graphs merged as HermiT reads them: without imports or a claim's properties."""
    merged = Graph()
    for graph in graphs:
        for triple in graph:
            if triple[1] not in LEFT_TO_THE_DATA:
                merged.add(triple)
    return merged


def _hermit_inferences(merged: Graph) -> Graph:
    """The object-property values and types HermiT derives beyond `merged`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.nt"
        merged.serialize(destination=path, format="nt", encoding="utf-8")
        world = owlready2.World()
        ontology = world.get_ontology(path.as_uri()).load(format="ntriples")
        inferred = world.get_ontology(INFERRED_GRAPH + "#")
        try:
            with inferred:
                # xsd:gYear and xsd:date lie outside the OWL 2 datatype map; no axiom here
                # reasons over their values, so HermiT may skip them.
                owlready2.sync_reasoner_hermit(
                    [ontology],
                    infer_property_values=True,
                    ignore_unsupported_datatypes=True,
                    debug=0,
                )
        except ValueError as error:  # owlready2 failed to read HermiT's answer
            raise ReasonerFailure(f"HermiT's answer could not be read: {error}") from error
        except owlready2.OwlReadyJavaError as error:
            raise ReasonerFailure(f"HermiT could not run: {str(error).splitlines()[-1]}") from error
        except owlready2.OwlReadyInconsistentOntologyError as error:
            raise Inconsistent(
                "HermiT finds the ontology and data inconsistent: some individual belongs to "
                "disjoint classes, or violates a functional, irreflexive or asymmetric property. "
                "The check queries name likely culprits."
            ) from error
        result = Graph()
        for s, p, o in inferred.get_triples():
            if not (isinstance(o, int) and o > 0 and s > 0):
                continue
            triple = tuple(URIRef(world._unabbreviate(x)) for x in (s, p, o))
            if triple[2] != OWL.NamedIndividual:
                result.add(triple)
        world.close()
    return result


def _superclasses(ontology: Graph) -> dict[URIRef, set[URIRef]]:
    closure: dict[URIRef, set[URIRef]] = {}
    for cls in set(ontology.subjects(RDFS.subClassOf, None)):
        if isinstance(cls, URIRef):
            closure[cls] = {
                c
                for c in ontology.transitive_objects(cls, RDFS.subClassOf)
                if isinstance(c, URIRef) and c not in (cls, OWL.Thing)
            }
    return closure


def _property_rules(ontology: Graph) -> tuple[dict, dict, set, set, list]:
    supers = {
        p: {q for q in ontology.transitive_objects(p, RDFS.subPropertyOf) if q != p}
        for p in set(ontology.subjects(RDFS.subPropertyOf, None))
    }
    inverses: dict[URIRef, set[URIRef]] = {}
    for p, q in ontology.subject_objects(OWL.inverseOf):
        inverses.setdefault(p, set()).add(q)
        inverses.setdefault(q, set()).add(p)
    transitive = set(ontology.subjects(RDF.type, OWL.TransitiveProperty))
    symmetric = set(ontology.subjects(RDF.type, OWL.SymmetricProperty))
    chains = [
        (p, list(Collection(ontology, chain)))
        for p, chain in ontology.subject_objects(OWL.propertyChainAxiom)
    ]
    return supers, inverses, transitive, symmetric, chains


def _close_properties(ontology: Graph, graph: Graph) -> None:
    """Add to `graph`, up to a fixpoint, what sub-properties, inverses, symmetric and transitive
    properties and property chains entail. HermiT's answers through owlready2 leave these out,
    since owlready2 derives them on the fly in Python."""
    supers, inverses, transitive, symmetric, chains = _property_rules(ontology)
    changed = True
    while changed:
        before = len(graph)
        for s, p, o in list(graph):
            if not isinstance(o, URIRef) or p == RDF.type:
                continue
            for q in supers.get(p, ()):
                graph.add((s, q, o))
            for q in inverses.get(p, ()):
                graph.add((o, q, s))
            if p in symmetric:
                graph.add((o, p, s))
            if p in transitive:
                for o2 in list(graph.objects(o, p)):
                    graph.add((s, p, o2))
        for p, steps in chains:
            for s, o in _follow_chain(graph, steps):
                graph.add((s, p, o))
        changed = len(graph) != before


def _follow_chain(graph: Graph, steps: list) -> list[tuple]:
    pairs = list(graph.subject_objects(steps[0]))
    for step in steps[1:]:
        pairs = [(s, o2) for s, o in pairs for o2 in graph.objects(o, step)]
    return pairs


def infer(ontology: Graph, facts: list[Graph]) -> Graph:
    """The inferred graph: what the reasoner adds to `facts`, never what they already say.

    Raises `Inconsistent` when HermiT finds no model.
    """
    merged = reasoner_input([ontology, *facts])
    derived = _hermit_inferences(merged)
    closed = merged + derived
    _close_properties(ontology, closed)
    derived += closed - merged
    supers = _superclasses(ontology)
    types = set(merged.triples((None, RDF.type, None))) | set(
        derived.triples((None, RDF.type, None))
    )
    for individual, _, cls in types:
        for parent in supers.get(cls, ()):  # type: ignore[arg-type]
            derived.add((individual, RDF.type, parent))
    inferred = Graph()
    for triple in derived:
        if str(triple[0]).startswith(ID_NS) and triple not in merged:
            inferred.add(triple)
    log.info("reasoner added %d triples", len(inferred))
    return inferred
