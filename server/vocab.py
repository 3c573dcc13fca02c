"""Namespaces of the vocabularies the project uses, so no IRI is typed freehand."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

from .project import ID_NS, ONTOLOGY_NS

AKG = Namespace(ONTOLOGY_NS)
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
ID = Namespace(ID_NS)

PREFIXES: dict[str, str] = {
    "akg": str(AKG),
    "actor": ID_NS + "actor/",
    "alliance": ID_NS + "alliance/",
    "bg": ID_NS + "background/",
    "dcterms": str(DCTERMS),
    "event": ID_NS + "event/",
    "issue": ID_NS + "issue/",
    "nif": str(NIF),
    "owl": str(OWL),
    "phase": ID_NS + "phase/",
    "perception": ID_NS + "perception/",
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "time": str(TIME),
    "xsd": str(XSD),
}
