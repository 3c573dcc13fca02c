"""`alliance-kg new-term`: declare a class or property in its module, with every annotation.

The term gets `rdfs:label` and `skos:definition` in English and `rdfs:isDefinedBy` its module;
a property gets a declared domain and range. The module file is rewritten formatted. Nothing is
written when the term exists, the module is unknown, or a named parent, domain, range or
inverse is not declared: the message says which and where.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from ..curie import prefixed_names, turtle_name
from ..project import ONTOLOGY_NS, Project
from ..vocab import PREFIXES
from .turtle_format import declared_prefixes, format_turtle

MODULE_NS = ONTOLOGY_NS + "module/"
HUB = "alliance-kg"
KINDS = {
    "class": OWL.Class,
    "object-property": OWL.ObjectProperty,
    "datatype-property": OWL.DatatypeProperty,
    "annotation-property": OWL.AnnotationProperty,
}
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
DATATYPES = {
    *(XSD[name] for name in ("string", "boolean", "decimal", "integer", "double", "float")),
    *(XSD[name] for name in ("date", "dateTime", "gYear", "gYearMonth", "gMonthDay", "anyURI")),
    RDFS.Literal,
}
# The engine stores these as xsd:integer, so a property declared with one would disagree with
# what DATATYPE() answers (docs/data-model.md, Literal datatypes).
DERIVED_INTEGERS = {
    XSD[name]
    for name in (
        "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
        "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
}  # fmt: skip
CLASS_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
PROPERTY_NAME = re.compile(r"^[a-z][A-Za-z0-9]*$")


class NewTermError(ValueError):
    """The term cannot be added as asked; the message says why."""


@dataclass(frozen=True)
class TermSpec:
    """A term to declare: what `new-term` asks on its command line."""

    kind: str
    name: str
    label: str
    definition: str
    module: str
    parents: tuple[str, ...] = ()
    domain: str | None = None
    range: str | None = None
    inverse: str | None = None
    inverse_label: str | None = None
    inverse_definition: str | None = None
    functional: bool = False
    alt_labels: tuple[str, ...] = field(default_factory=tuple)
    scope_note: str | None = None

    @property
    def type(self) -> URIRef:
        return KINDS[self.kind]


@dataclass
class Vocabulary:
    """Every term declared in `ontology/`: its kinds, and the file and line declaring it."""

    kinds: dict[URIRef, set[URIRef]] = field(default_factory=dict)
    places: dict[URIRef, str] = field(default_factory=dict)

    def has(self, term: URIRef, *kinds: URIRef) -> bool:
        return bool(self.kinds.get(term, set()) & set(kinds))


def resolve(name: str) -> URIRef:
    """`akg:State`, `xsd:gYear`, `<https://...>` or a bare `State` (an akg: term) as an IRI."""
    if name.startswith("<") and name.endswith(">"):
        return URIRef(name[1:-1])
    prefix, colon, local = name.partition(":")
    if not colon:
        return URIRef(ONTOLOGY_NS + name)
    if prefix not in PREFIXES:
        raise NewTermError(f"unknown prefix {prefix!r} in {name!r}; known: {sorted(PREFIXES)}")
    return URIRef(PREFIXES[prefix] + local)


def camel_to_label(name: str) -> str:
    """`isHostedBy` -> "is hosted by", the habit for property labels."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def modules(project: Project) -> dict[str, Path]:
    """The module files of the ontology by module name; the hub only imports them."""
    return {path.stem: path for path in project.ontology_files() if path.stem != HUB}


def vocabulary(project: Project) -> Vocabulary:
    """What `ontology/` declares, to refuse duplicates and undeclared references."""
    vocab = Vocabulary()
    for path in project.ontology_files():
        text = path.read_text("utf-8")
        graph = Graph().parse(data=text, format="turtle")
        relative = path.relative_to(project.root).as_posix()
        for kind in (*KINDS.values(), RDFS.Datatype):
            for term in graph.subjects(RDF.type, kind):
                if isinstance(term, URIRef):
                    vocab.kinds.setdefault(term, set()).add(kind)
                    line = _line_of(text, term)
                    vocab.places.setdefault(term, f"{relative}:{line}" if line else relative)
    return vocab


def _line_of(text: str, term: URIRef) -> int | None:
    names = [f"<{term}>", *prefixed_names(term, declared_prefixes(text))]
    for number, line in enumerate(text.splitlines(), start=1):
        if line.split(" ", 1)[0] in names:
            return number
    return None


def _require(vocab: Vocabulary, name: str, what: str, *kinds: URIRef) -> URIRef:
    term = resolve(name)
    if term == OWL.Thing and OWL.Class in kinds:
        return term
    if not vocab.has(term, *kinds):
        found = (
            f" (it is declared as {', '.join(sorted(turtle_name(k) for k in vocab.kinds[term]))})"
            if term in vocab.kinds
            else ""
        )
        wanted = " or ".join(turtle_name(kind) for kind in kinds)
        raise NewTermError(f"{what} {name} is not declared in ontology/ as {wanted}{found}")
    return term


def _check_spec(spec: TermSpec, vocab: Vocabulary, known_modules: dict[str, Path]) -> None:
    if spec.module not in known_modules:
        raise NewTermError(
            f"unknown module {spec.module!r}: choose one of {', '.join(sorted(known_modules))}"
        )
    pattern = CLASS_NAME if spec.kind == "class" else PROPERTY_NAME
    if not pattern.match(spec.name):
        habit = "UpperCamelCase noun" if spec.kind == "class" else "lowerCamelCase phrase"
        raise NewTermError(f"{spec.name!r}: a {spec.kind} is named as an {habit}")
    for text, what in ((spec.label, "--label"), (spec.definition, "--definition")):
        if not text.strip():
            raise NewTermError(f"{what} must not be empty")
    if spec.definition.strip().rstrip(".").lower() == spec.label.strip().lower():
        raise NewTermError("--definition restates the label: give genus and difference")
    if spec.kind in ("object-property", "datatype-property") and not (spec.domain and spec.range):
        raise NewTermError(f"a {spec.kind} needs --domain and --range (owl:Thing for any)")
    if spec.inverse and spec.kind != "object-property":
        raise NewTermError("only an object property has an inverse")
    term = URIRef(ONTOLOGY_NS + spec.name)
    if term in vocab.kinds:
        raise NewTermError(f"akg:{spec.name} is already declared at {vocab.places[term]}")


def _annotate(
    graph: Graph, term: URIRef, *, kind: URIRef, label: str, definition: str, module: str
) -> None:
    graph.add((term, RDF.type, kind))
    graph.add((term, RDFS.label, Literal(label, lang="en")))
    graph.add((term, SKOS.definition, Literal(definition, lang="en")))
    graph.add((term, RDFS.isDefinedBy, URIRef(MODULE_NS + module)))


def _datatype(name: str, vocab: Vocabulary) -> URIRef:
    """A datatype property's range: one the engine serves as declared."""
    datatype = resolve(name)
    if datatype in DERIVED_INTEGERS:
        raise NewTermError(
            f"range {name}: the engine serves it as xsd:integer; declare xsd:integer and state "
            "the bounds in a shape (docs/data-model.md, Literal datatypes)"
        )
    if datatype not in DATATYPES and not vocab.has(datatype, RDFS.Datatype):
        raise NewTermError(f"range {name} is not an XSD datatype or rdfs:Literal")
    return datatype


def term_graph(spec: TermSpec, vocab: Vocabulary) -> tuple[Graph, dict[URIRef, URIRef]]:
    """The triples declaring the term (and a new inverse), and inverse links to add to
    existing terms: {existing property: new property}."""
    term = URIRef(ONTOLOGY_NS + spec.name)
    graph = Graph()
    _annotate(
        graph,
        term,
        kind=spec.type,
        label=spec.label,
        definition=spec.definition,
        module=spec.module,
    )
    for alt in spec.alt_labels:
        graph.add((term, SKOS.altLabel, Literal(alt, lang="en")))
    if spec.scope_note:
        graph.add((term, SKOS.scopeNote, Literal(spec.scope_note, lang="en")))
    if spec.functional:
        graph.add((term, RDF.type, OWL.FunctionalProperty))
    parent_link = RDFS.subClassOf if spec.kind == "class" else RDFS.subPropertyOf
    for parent in spec.parents:
        graph.add((term, parent_link, _require(vocab, parent, "parent", spec.type)))
    if spec.domain:
        graph.add((term, RDFS.domain, _require(vocab, spec.domain, "domain", OWL.Class)))
    if spec.range and spec.kind == "datatype-property":
        graph.add((term, RDFS.range, _datatype(spec.range, vocab)))
    elif spec.range:
        graph.add((term, RDFS.range, _require(vocab, spec.range, "range", OWL.Class)))
    links: dict[URIRef, URIRef] = {}
    if spec.inverse:
        inverse = resolve(spec.inverse)
        graph.add((term, OWL.inverseOf, inverse))
        if vocab.has(inverse, OWL.ObjectProperty):
            links[inverse] = term
        elif inverse in vocab.kinds:
            raise NewTermError(f"inverse {spec.inverse} is declared, but not as an object property")
        else:
            _new_inverse(graph, spec, term, inverse)
    return graph, links


def _new_inverse(graph: Graph, spec: TermSpec, term: URIRef, inverse: URIRef) -> None:
    local = inverse.removeprefix(ONTOLOGY_NS)
    if not PROPERTY_NAME.match(local) or not spec.inverse_definition:
        raise NewTermError(
            f"inverse {spec.inverse} is not declared: to declare it too, name it in akg: in "
            "lowerCamelCase and give --inverse-definition (and --inverse-label if the label "
            "is not its name in words)"
        )
    label = spec.inverse_label or camel_to_label(local)
    _annotate(
        graph,
        inverse,
        kind=OWL.ObjectProperty,
        label=label,
        definition=spec.inverse_definition,
        module=spec.module,
    )
    graph.add((inverse, OWL.inverseOf, term))
    for value, link in ((spec.domain, RDFS.range), (spec.range, RDFS.domain)):
        graph.add((inverse, link, resolve(value or "owl:Thing")))


def _rewrite(path: Path, additions: Graph) -> None:
    text = path.read_text("utf-8")
    graph = Graph().parse(data=text, format="turtle")
    graph += additions
    path.write_text(format_turtle(graph, declared_prefixes(text)), "utf-8")


def add_term(project: Project, spec: TermSpec) -> list[str]:
    """Write the term into `ontology/{module}.ttl`; return where each new term now stands."""
    known = modules(project)
    vocab = vocabulary(project)
    _check_spec(spec, vocab, known)
    graph, links = term_graph(spec, vocab)
    _rewrite(known[spec.module], graph)
    for existing, new in links.items():
        home = vocab.places[existing].split(":", 1)[0]
        _rewrite(project.root / home, Graph().add((existing, OWL.inverseOf, new)))
    text = known[spec.module].read_text("utf-8")
    relative = known[spec.module].relative_to(project.root).as_posix()
    declared = sorted({s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)})
    return [f"{relative}:{_line_of(text, term)}: {turtle_name(term)}" for term in declared]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `alliance-kg new-term`."""
    parser.add_argument("kind", choices=sorted(KINDS), help="what to declare")
    parser.add_argument("name", help="UpperCamelCase for a class, lowerCamelCase for a property")
    parser.add_argument("--label", required=True, help="English label (classes: Sentence case)")
    parser.add_argument("--definition", required=True, help="genus and difference, in English")
    parser.add_argument("--module", required=True, help="module file: ontology/MODULE.ttl")
    parser.add_argument(
        "--parent", action="append", default=[], help="superclass or superproperty (repeatable)"
    )
    parser.add_argument("--domain", help="class of the subjects (owl:Thing for any)")
    parser.add_argument("--range", help="class of the objects, or an XSD datatype")
    parser.add_argument("--inverse", help="inverse object property, declared too if new")
    parser.add_argument("--inverse-label", help="label of a new inverse (default: its name)")
    parser.add_argument("--inverse-definition", help="definition of a new inverse")
    parser.add_argument("--functional", action="store_true", help="at most one value")
    parser.add_argument("--alt-label", action="append", default=[], help="alternative label")
    parser.add_argument("--scope-note", help="how the term is meant to be used")


def run(args: argparse.Namespace, project: Project) -> int:
    """Declare the term and print where it was written."""
    spec = TermSpec(
        args.kind,
        args.name,
        args.label,
        args.definition,
        args.module,
        tuple(args.parent),
        args.domain,
        args.range,
        args.inverse,
        args.inverse_label,
        args.inverse_definition,
        args.functional,
        tuple(args.alt_label),
        args.scope_note,
    )
    try:
        written = add_term(project, spec)
    except NewTermError as error:
        print(f"new-term: {error}", file=sys.stderr)
        return 1
    for place in written:
        print(f"declared {place}")
    return 0
