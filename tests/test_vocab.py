from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import OWL, RDF

from alliance_kg.vocab import AKG, NIF, TIME

from .conftest import REPO

DECLARATIONS = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
)


def test_every_term_the_code_names_is_declared_in_the_ontology() -> None:
    ontology = Graph()
    for module in (REPO / "ontology").glob("*.ttl"):
        ontology.parse(module)
    declared = {s for kind in DECLARATIONS for s in ontology.subjects(RDF.type, kind)}
    for namespace in (AKG, NIF, TIME):
        for name in namespace.__annotations__:
            assert namespace[name] in declared, name
