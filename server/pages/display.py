"""Display order as data: which properties a page shows first, and which describe a resource.

A page's layout is reviewed as these lists: properties listed here come first, in this order;
the others follow, those with stated facts before those the reasoner alone adds, by label.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VOID

from ..project import BACKGROUND_NS, ID_NS, ONTOLOGY_NS, SOURCE_NS, STATEMENT_NS
from ..vocab import AKG, NIF, TIME


def _iris(*terms: URIRef) -> tuple[str, ...]:
    """Terms as the plain strings the engine's nodes hold (`NamedNode.value`)."""
    return tuple(str(term) for term in terms)


TYPE = str(RDF.type)

# Properties whose values describe the resource in words, shown under its title, in this order.
DESCRIPTIONS = _iris(
    SKOS.definition,
    RDFS.comment,
    DCTERMS.description,
    AKG.content,
    AKG.basis,
    NIF.anchorOf,
    SKOS.scopeNote,
)

# Outgoing relations: the first properties of any entity page, in this order.
OUTGOING_ORDER = _iris(
    RDFS.label,
    SKOS.prefLabel,
    SKOS.altLabel,
    RDF.type,
    SKOS.definition,
    RDFS.comment,
    DCTERMS.title,
    DCTERMS.creator,
    NIF.anchorOf,
    AKG.content,
    AKG.basis,
    AKG.date,
    AKG.year,
    TIME.hasBeginning,
    TIME.inside,
    TIME.inXSDgYear,
    AKG.immediatelyPrecedesPhase,
    AKG.immediatelyFollowsPhase,
    AKG.hasCause,
    AKG.heldBy,
    AKG.directedAt,
    AKG.concernsIssue,
    AKG.duringPhase,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.inverseOf,
    RDFS.domain,
    RDFS.range,
    SKOS.scopeNote,
    RDFS.isDefinedBy,
)

# Entity summaries: literal values written after the name ("Shinzo Abe — Prime Minister of
# Japan"), and relations left out of the summary sentence (bookkeeping, not what a reader asks).
SUMMARY_APPOSITIVES = _iris(AKG.positionTitle)
NOT_IN_SUMMARY = _iris(
    RDFS.isDefinedBy,
    AKG.covers,
    AKG.coversProperty,
    AKG.partOfClaim,
    AKG.sourceFile,
    AKG.paragraphNumber,
    AKG.sentenceNumber,
    DCTERMS.hasPart,
    DCTERMS.title,
    NIF.referenceContext,
    NIF.superString,
    NIF.nextSentence,
    NIF.beginIndex,
    NIF.endIndex,
    NIF.isString,
)

# Incoming relations: the first properties, in this order.
INCOMING_ORDER = _iris(
    AKG.marksPhase,
    AKG.duringPhase,
    AKG.heldBy,
    AKG.directedAt,
    AKG.concernsIssue,
    RDF.type,
    RDFS.subClassOf,
    RDFS.domain,
    RDFS.range,
)

# Property pages: the ontology axioms listed in the "Definition" panel, in this order.
PROPERTY_AXIOMS = _iris(
    RDFS.domain,
    RDFS.range,
    RDFS.subPropertyOf,
    OWL.inverseOf,
)

CLASS_TYPES = frozenset(_iris(OWL.Class, RDFS.Class))
PROPERTY_TYPES = frozenset(
    _iris(
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        OWL.TransitiveProperty,
        OWL.SymmetricProperty,
        RDF.Property,
    )
)

# Labels for the standard terms the ontology does not label itself.
FALLBACK_LABELS: dict[str, str] = {
    str(term): label
    for term, label in {
        RDF.type: "type",
        RDF.subject: "subject",
        RDF.predicate: "predicate",
        RDF.object: "object",
        RDF.first: "first",
        RDF.rest: "rest",
        RDFS.label: "label",
        RDFS.comment: "comment",
        RDFS.subClassOf: "subclass of",
        RDFS.subPropertyOf: "subproperty of",
        RDFS.domain: "domain",
        RDFS.range: "range",
        RDFS.isDefinedBy: "is defined by",
        RDFS.Class: "RDFS class",
        OWL.Class: "class",
        OWL.ObjectProperty: "object property",
        OWL.DatatypeProperty: "datatype property",
        OWL.AnnotationProperty: "annotation property",
        OWL.TransitiveProperty: "transitive property",
        OWL.SymmetricProperty: "symmetric property",
        OWL.FunctionalProperty: "functional property",
        OWL.inverseOf: "inverse of",
        OWL.disjointWith: "disjoint with",
        OWL.equivalentClass: "equivalent class",
        OWL.Ontology: "ontology",
        OWL.imports: "imports",
        OWL.versionInfo: "version",
        OWL.versionIRI: "version IRI",
        OWL.unionOf: "union of",
        OWL.members: "members",
        OWL.AllDisjointClasses: "disjoint classes",
        SKOS.definition: "definition",
        SKOS.scopeNote: "scope note",
        SKOS.editorialNote: "editorial note",
        DCTERMS.title: "title",
        DCTERMS.description: "description",
        DCTERMS.creator: "creator",
        DCTERMS.license: "licence",
        VOID.triples: "number of triples",
    }.items()
}

# Search: kinds of resource, best first, for equal matches.
SEARCH_NAMESPACES: tuple[str, ...] = (ID_NS, ONTOLOGY_NS)
SEARCH_DEMOTED: tuple[str, ...] = (SOURCE_NS, STATEMENT_NS, BACKGROUND_NS)
