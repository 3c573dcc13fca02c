"""Namespaces of the vocabularies the project uses, so no IRI is typed freehand."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

from .project import BACKGROUND_NS, ID_NS, ONTOLOGY_NS


class AKG(DefinedNamespace):
    """The terms of our ontology that the code names; a misspelt one raises at import time.
    tests/test_vocab.py checks that each is declared in ontology/."""

    _NS = Namespace(ONTOLOGY_NS)
    _fail = True

    Actor: URIRef
    Alliance: URIRef
    AlliancePhase: URIRef
    AllianceRole: URIRef
    AllianceSystem: URIRef
    Assertion: URIRef
    Assessment: URIRef
    Attitude: URIRef
    Author: URIRef
    BackgroundAssertion: URIRef
    BackgroundKnowledge: URIRef
    BoilerplateSegment: URIRef
    BylineSegment: URIRef
    Certain: URIRef
    Claim: URIRef
    Event: URIRef
    Issue: URIRef
    Recommendation: URIRef
    Region: URIRef
    Report: URIRef
    SourceDocument: URIRef
    TitleSegment: URIRef
    WeaponSystem: URIRef
    YearInstant: URIRef
    accordingTo: URIRef
    assertedIn: URIRef
    basis: URIRef
    claimKind: URIRef
    concedes: URIRef
    concernsIssue: URIRef
    content: URIRef
    contrastsWith: URIRef
    covers: URIRef
    coversProperty: URIRef
    date: URIRef
    directedAt: URIRef
    duringPhase: URIRef
    elaborates: URIRef
    exemplifies: URIRef
    extensionPoint: URIRef
    factuality: URIRef
    hasCause: URIRef
    heldBy: URIRef
    immediatelyFollowsPhase: URIRef
    immediatelyPrecedesPhase: URIRef
    isComplete: URIRef
    isRationaleFor: URIRef
    marksPhase: URIRef
    paragraphNumber: URIRef
    partOfClaim: URIRef
    plainReportsAccordingTo: URIRef
    positionTitle: URIRef
    publicationDate: URIRef
    sentenceNumber: URIRef
    sourceFile: URIRef
    statesCauseOf: URIRef
    suggestedMention: URIRef
    supports: URIRef
    year: URIRef


class NIF(DefinedNamespace):
    """The NIF 2.0 core terms the code names, declared in ontology/external.ttl."""

    _NS = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
    _fail = True

    Context: URIRef
    Paragraph: URIRef
    Sentence: URIRef
    anchorOf: URIRef
    beginIndex: URIRef
    endIndex: URIRef
    isString: URIRef
    nextSentence: URIRef
    referenceContext: URIRef
    superString: URIRef


class TIME(DefinedNamespace):
    """The OWL-Time terms the code names, declared in ontology/external.ttl; a misspelt name
    fails here (rdflib's own `TIME` only warns, which once let the data use `inXSDGYear`)."""

    _NS = Namespace("http://www.w3.org/2006/time#")
    _fail = True

    hasBeginning: URIRef
    inXSDgYear: URIRef
    inside: URIRef


PREFIXES: dict[str, str] = {
    "akg": ONTOLOGY_NS,
    "actor": ID_NS + "actor/",
    "alliance": ID_NS + "alliance/",
    "bg": BACKGROUND_NS,
    "claim": ID_NS + "claim/",
    "dcterms": str(DCTERMS),
    "event": ID_NS + "event/",
    "instant": ID_NS + "time/",
    "issue": ID_NS + "issue/",
    "nif": str(NIF),
    "owl": str(OWL),
    "phase": ID_NS + "phase/",
    "perception": ID_NS + "perception/",
    "prov": str(PROV),
    "rdf": str(RDF),
    "recommendation": ID_NS + "recommendation/",
    "region": ID_NS + "region/",
    "role": ID_NS + "role/",
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "time": str(TIME),
    "weapon": ID_NS + "weapon/",
    "xsd": str(XSD),
}
