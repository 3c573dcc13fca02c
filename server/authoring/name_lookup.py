"""What a curator types, as the RDF term it names: an IRI, a prefixed name, a label, a literal.

A label or alternative label (in any letter case) names a resource that exists, a property, a
class or anything else, and must name one: an ambiguous label lists its candidates, an unknown
one the nearest labels. A literal is typed by its property's range. `import-template` reads its
cells with it; a form in the browser can too.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from ..curie import turtle_name
from ..project import BACKGROUND_NS, ID_NS, SOURCE_NS, Project
from ..vocab import AKG, PREFIXES

PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
WORDS = (RDFS.label, RDFS.comment)  # in English, like the values of annotation properties
NAMING = (RDFS.label, SKOS.altLabel)
CURIE = re.compile(r"([A-Za-z][\w.-]*|):(\S*)")
DIGITS, MONTH, DAY = "[0-9]{4,}", "(0[1-9]|1[0-2])", "(0[1-9]|[12][0-9]|3[01])"
LEXICAL = {
    XSD.boolean: "true|false|1|0",
    XSD.integer: "[+-]?[0-9]+",
    XSD.decimal: r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    XSD.double: r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|INF|-INF|NaN",
    XSD.gYear: f"-?{DIGITS}",
    XSD.gYearMonth: f"-?{DIGITS}-{MONTH}",
    XSD.gMonthDay: f"--{MONTH}-{DAY}",
    XSD.date: f"-?{DIGITS}-{MONTH}-{DAY}",
    XSD.dateTime: rf"-?{DIGITS}-{MONTH}-{DAY}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?",
}


class Unresolved(ValueError):
    """Text that names nothing, or more than one thing; the message says what it could be."""


@dataclass
class Vocabulary:
    """What text can name: terms and individuals by label, each property's kind and range."""

    labels: dict[str, set[URIRef]] = field(default_factory=dict)
    shown: dict[URIRef, str] = field(default_factory=dict)
    properties: dict[URIRef, URIRef] = field(default_factory=dict)
    ranges: dict[URIRef, URIRef] = field(default_factory=dict)
    classes: set[URIRef] = field(default_factory=set)
    members: dict[URIRef, set[URIRef]] = field(default_factory=dict)
    holders: dict[str, URIRef] = field(default_factory=dict)
    pools: dict[str, dict[str, set[URIRef]]] = field(default_factory=dict)

    def name(self, iri: URIRef, label: str, main: bool = True) -> None:
        """Let `label` name `iri`; a main label is the one messages show."""
        self.labels.setdefault(label.lower(), set()).add(iri)
        if main or iri not in self.shown:
            self.shown[iri] = label
        self.pools.clear()

    def pool(self, kind: str) -> dict[str, set[URIRef]]:
        """The labels of properties, of classes, or of everything else ("thing")."""
        if kind not in self.pools:
            wanted = {
                "property": lambda iri: iri in self.properties,
                "class": lambda iri: iri in self.classes,
                "thing": lambda iri: iri not in self.properties and iri not in self.classes,
            }[kind]
            found = {label: {i for i in iris if wanted(i)} for label, iris in self.labels.items()}
            self.pools[kind] = {label: iris for label, iris in found.items() if iris}
        return self.pools[kind]


def vocabulary(project: Project) -> Vocabulary:
    """The ontology's terms and the facts files' individuals, with their labels, and each
    source's default holder (`akg:plainReportsAccordingTo`)."""
    vocab = Vocabulary()
    ontology = Graph()
    for path in project.ontology_files():
        ontology.parse(path, format="turtle")
    for kind in PROPERTY_KINDS:
        vocab.properties.update((p, kind) for p in ontology.subjects(RDF.type, kind))
    vocab.ranges = {p: r for p in vocab.properties if (r := ontology.value(p, RDFS.range))}
    vocab.classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    for prop in (AKG.claimKind, AKG.factuality):  # their values: individuals of the ontology
        vocab.members[prop] = set(ontology.subjects(RDF.type, vocab.ranges.get(prop)))
    for prop in NAMING:
        for term, label in ontology.subject_objects(prop):
            if isinstance(term, URIRef) and (term, RDF.type, OWL.Ontology) not in ontology:
                vocab.name(term, str(label), prop == RDFS.label)
    for path in project.fact_files():
        dataset = Dataset()
        try:
            dataset.parse(path, format="trig")
        except Exception as error:  # rdflib raises more than SyntaxError on a broken file
            name = path.relative_to(project.root).as_posix()
            raise Unresolved(f"{name} does not parse, fix it first ({error})") from error
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            if p in NAMING and str(s).startswith(ID_NS):
                if not str(s).startswith((SOURCE_NS, BACKGROUND_NS)):
                    vocab.name(URIRef(s), str(o), p == RDFS.label)
            elif p == AKG.plainReportsAccordingTo:
                vocab.holders[path.stem] = URIRef(o)
    return vocab


def _iri(text: str) -> URIRef:
    """An IRI as written, refused when RDF would not take it (a space, a second `<...>`)."""
    if not text or re.search(r'[\s<>"{}|\\^`]', text) or ":" not in text:
        raise Unresolved(f"<{text}> is not a valid IRI")
    return URIRef(text)


def resolve_name(text: str, kind: str, vocab: Vocabulary) -> URIRef:
    """An IRI (`<...>` or `https://...`), a prefixed name of the project's prefixes, or the
    label or alternative label (in any letter case) of one `kind` of resource that exists."""
    if text.startswith("<") and text.endswith(">"):
        return _iri(text[1:-1])
    if re.fullmatch(r"https?://\S+", text):
        return _iri(text)
    curie = CURIE.fullmatch(text)
    if curie and curie[1] in PREFIXES:
        return URIRef(PREFIXES[curie[1]] + curie[2])
    pool = vocab.pool(kind)
    found = sorted(pool.get(text.lower(), set()))
    if len(found) == 1:
        return found[0]
    if found:
        listed = "; ".join(f"{turtle_name(iri)} ({vocab.shown[iri]!r})" for iri in found)
        raise Unresolved(f"{text!r} is a label of {len(found)} resources: {listed}; write the IRI")
    if curie:
        known = ", ".join(sorted(PREFIXES))
        raise Unresolved(f"unknown prefix {curie[1]!r} in {text!r}; known: {known}")
    what = "resource" if kind == "thing" else kind
    raise Unresolved(f"no {what} is labelled {text!r}" + nearest(text, pool, vocab))


def nearest(text: str, pool: dict[str, set[URIRef]], vocab: Vocabulary) -> str:
    """A clause naming the labels nearest `text` in spelling, or containing it."""
    near = difflib.get_close_matches(text.lower(), list(pool), n=3, cutoff=0.6)
    near += sorted(label for label in pool if text.lower() in label and label not in near)[:3]
    if not near:
        return "; write its IRI or prefixed name, or declare it in the template"
    shown = [f"{vocab.shown[iri]!r} ({turtle_name(iri)})" for label in near for iri in pool[label]]
    return f"; nearest: {', '.join(shown[:5])}"


def resolve_property(text: str, vocab: Vocabulary) -> URIRef:
    """A property the ontology declares (or `a`, rdf:type; rdfs:label; rdfs:comment)."""
    prop = RDF.type if text == "a" else resolve_name(text, "property", vocab)
    if prop in (RDF.type, *WORDS) or prop in vocab.properties:
        return prop
    local = re.sub(r"(?<!^)(?=[A-Z])", " ", re.split("[:/#]", prop)[-1]).lower()  # as a label
    message = f"{turtle_name(prop)} is not declared in ontology/"
    raise Unresolved(message + nearest(local, vocab.pool("property"), vocab))


def resolve_value(text: str, prop: URIRef, vocab: Vocabulary) -> URIRef | Literal:
    """The value of `prop`: a class for rdf:type, a resource for an object property, else
    a literal."""
    if prop == RDF.type:
        return resolve_name(text, "class", vocab)
    if vocab.properties.get(prop) == OWL.ObjectProperty:
        return resolve_name(text, "thing", vocab)
    return literal_value(text, prop, vocab)


def literal_value(text: str, prop: URIRef, vocab: Vocabulary) -> URIRef | Literal:
    """The value of a property that takes literals: a Turtle literal as written, an `<iri>`,
    or plain text typed by the property's range (English, for words)."""
    if text.startswith(('"', "'")):
        return turtle_literal(text)
    if text.startswith("<") and text.endswith(">"):
        return _iri(text[1:-1])
    declared = vocab.ranges.get(prop)
    annotation = vocab.properties.get(prop) == OWL.AnnotationProperty
    if declared in (RDF.langString, RDFS.Literal) or prop in WORDS or (annotation and not declared):
        return Literal(text, lang="en")
    if declared is None or declared == XSD.string:
        return Literal(text)
    pattern = LEXICAL.get(declared)
    if pattern is not None and not re.fullmatch(pattern, text):
        of = f"{turtle_name(declared)}, the range of {turtle_name(prop)}"
        raise Unresolved(f"{text!r} is not a valid {of}")
    return Literal(text, datatype=declared)


def turtle_literal(text: str) -> Literal:
    """One literal written as in Turtle, with the project's prefixes: "2007"^^xsd:gYear."""
    heads = "".join(f"PREFIX {prefix}: <{ns}>\n" for prefix, ns in PREFIXES.items())
    hint = 'write one Turtle literal, such as "text"@en or "2007"^^xsd:gYear'
    try:
        graph = Graph().parse(data=f"{heads}<urn:s> <urn:p> {text} .", format="turtle")
    except (SyntaxError, ValueError) as error:
        raise Unresolved(f"{text!r} does not parse: {hint}") from error
    values = list(graph.objects(URIRef("urn:s"), URIRef("urn:p")))
    if len(graph) != 1 or not isinstance(values[0], Literal):
        raise Unresolved(f"{text!r} is not a literal: {hint}")
    return values[0]


def resolve_member(text: str, prop: URIRef, vocab: Vocabulary) -> URIRef:
    """A value of `prop` among the few the ontology declares (claim kinds, factualities)."""
    allowed = vocab.members.get(prop, set())
    try:
        found: URIRef | None = resolve_name(text, "thing", vocab)
    except Unresolved:
        found = None
    if found is None or found not in allowed:
        names = ", ".join(sorted(turtle_name(a) for a in allowed))
        raise Unresolved(f"{text!r} is not a value of {turtle_name(prop)}: one of {names}")
    return found
