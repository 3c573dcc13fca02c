"""Vocabulary that nothing uses, and classes with a single instance: warnings that the ontology
has grown ahead of the data, the queries and the code, or apart from them (issue 13).

A term of ours (`akg:`, declared in `ontology/`, not deprecated) is used when a fact names it
(asserted in any graph but the ontology's, or inferred), when a shape does (in a triple or its
SPARQL, not in a message), when a query file under `queries/` names it (full IRI or
`akg:Name`), or when the package's code, templates or scripts do (full IRI, `akg:Name` or
`AKG.Name`). A term declared ahead of the data on purpose says so with `akg:extensionPoint`
(its value says why), and is not reported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SH, SKOS

from ..curie import turtle_name
from ..package_data import PACKAGE
from ..project import ONTOLOGY_GRAPH, ONTOLOGY_NS, Project
from ..vocab import AKG
from .assemble import Assembly
from .loading import SourceFile, Sources
from .locations import declaration_line
from .problems import Problem

# the marker of a term declared ahead of the data on purpose; read when the ontology has it
DECLARED_KINDS = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
)
# what a scope note or definition says to explain a class with a single instance
SINGLE_INSTANCE_REASONS = ("one instance", "extension point")
NAMED = re.compile(rf"(?<![\w-])(?:akg:|AKG\.|{re.escape(ONTOLOGY_NS)})([A-Za-z_][\w-]*)")
CODE_SUFFIXES = {".py", ".html", ".js"}
SHAPE_SPARQL = (SH.select, SH.ask, SH.construct)
UNUSED = "unused-term"
SINGLE = "single-instance-class"


@dataclass(frozen=True)
class Declared:
    """A term of the ontology: the module that declares it, whether it is a class, and what
    exempts it: deprecated, marked `akg:extensionPoint` (from both warnings), or explained to
    have a single instance by a `skos:scopeNote` or `skos:definition` that says "one instance"
    or "extension point" (case aside; from that warning only)."""

    module: SourceFile
    is_class: bool
    retired: bool
    extension_point: bool
    single_explained: bool


@dataclass
class TermUsage:
    """What the units use of the vocabulary: the `akg:` IRIs their facts and the shapes name,
    and up to two instances of each `akg:` class. `partial` when a file did not parse or the
    reasoner failed: then what is unused cannot be told."""

    declared: dict[URIRef, Declared] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    instances: dict[str, set[str]] = field(default_factory=dict)
    partial: bool = False

    def extend(self, other: TermUsage) -> None:
        """Add what another build unit uses."""
        self.declared = self.declared or other.declared
        self.used |= other.used
        for cls, found in other.instances.items():
            mine = self.instances.setdefault(cls, set()) | found
            self.instances[cls] = set(sorted(mine)[:2])
        self.partial = self.partial or other.partial


def usage_of(sources: Sources, assembly: Assembly, inferred: Graph) -> TermUsage:
    """The vocabulary one unit's facts use (any position of any graph but the ontology's), and
    the shapes: their terms and their SPARQL, but not their messages."""
    usage = TermUsage(declared_terms(sources.ontology), shape_terms(sources.shapes))
    graphs = [g for g in assembly.dataset.graphs() if str(g.identifier) != ONTOLOGY_GRAPH]
    for graph in [*graphs, inferred]:
        for triple in graph:
            usage.used.update(str(t) for t in triple if isinstance(t, URIRef))
    for name in assembly.asserted_graphs():
        for instance, cls in assembly.graph(name).subject_objects(RDF.type):
            if isinstance(instance, URIRef) and str(cls).startswith(ONTOLOGY_NS):
                found = usage.instances.setdefault(str(cls), set())
                if len(found) < 2:
                    found.add(str(instance))
    usage.used = {iri for iri in usage.used if iri.startswith(ONTOLOGY_NS)}
    return usage


def shape_terms(shapes: list[SourceFile]) -> set[str]:
    """The `akg:` IRIs the shapes name, in their triples or in their SPARQL."""
    used: set[str] = set()
    for file in shapes:
        for triple in file.merged():
            used.update(str(t) for t in triple if isinstance(t, URIRef))
            if triple[1] in SHAPE_SPARQL:
                used.update(ONTOLOGY_NS + name for name in NAMED.findall(str(triple[2])))
    return {iri for iri in used if iri.startswith(ONTOLOGY_NS)}


def declared_terms(ontology: list[SourceFile]) -> dict[URIRef, Declared]:
    """Every `akg:` class, property and named individual the ontology modules declare."""
    declared: dict[URIRef, Declared] = {}
    for module in ontology:
        graph = module.merged()
        for kind in DECLARED_KINDS:
            for term in graph.subjects(RDF.type, kind):
                if isinstance(term, URIRef) and term.startswith(ONTOLOGY_NS):
                    declared.setdefault(term, _declared(module, graph, term))
    return declared


def _declared(module: SourceFile, graph: Graph, term: URIRef) -> Declared:
    flag = graph.value(term, OWL.deprecated)
    marked = (term, AKG.extensionPoint, None) in graph
    notes = [*graph.objects(term, SKOS.scopeNote), *graph.objects(term, SKOS.definition)]
    said = any(reason in str(n).lower() for n in notes for reason in SINGLE_INSTANCE_REASONS)
    return Declared(
        module,
        (term, RDF.type, OWL.Class) in graph,
        isinstance(flag, Literal) and flag.toPython() is True,
        marked,
        marked or said,
    )


def named_in_files(paths: list[Path]) -> set[str]:
    """The local names of `akg:` terms that the text of any of the files names."""
    names: set[str] = set()
    for path in paths:
        names.update(NAMED.findall(path.read_text("utf-8", errors="replace")))
    return names


def query_and_code_files(project: Project) -> list[Path]:
    """The project's query files, and the package's query files, code, templates and scripts
    (the package's `queries` is the checkout's `queries/` itself, or a copy in a wheel)."""
    found = {p.resolve() for p in project.queries_dir.rglob("*.rq")}
    found |= {p.resolve() for p in (PACKAGE / "queries").rglob("*.rq")}
    found |= {p.resolve() for p in _walk(PACKAGE) if p.suffix in CODE_SUFFIXES}
    return sorted(found)


def _walk(root: Path) -> Iterator[Path]:
    """Files under `root`, not following links to folders (`node_modules`, `queries`)."""
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in {"__pycache__", "node_modules"}]
        yield from (Path(folder) / name for name in files)


def term_warnings(project: Project, usage: TermUsage) -> list[Problem]:
    """One problem per unused term and per class with a single unexplained instance, in the
    order of the terms; they are warnings, not errors: the build does not stop for them."""
    if usage.partial:
        return []
    named = named_in_files(query_and_code_files(project))
    warnings = []
    for term, about in sorted(usage.declared.items()):
        if about.retired:
            continue
        if not (about.extension_point or _is_used(term, usage, named)):
            message = (
                f"{turtle_name(term)} is declared but no fact, query, template or code uses it: "
                "use it, deprecate it (owl:deprecated true) or mark it akg:extensionPoint"
            )
            warnings.append(_warning(about, term, UNUSED, message))
        found = sorted(usage.instances.get(str(term), ()))
        if about.is_class and len(found) == 1 and not about.single_explained:
            message = (
                f"{turtle_name(term)} has a single instance, {turtle_name(found[0])}: say why "
                'in its skos:scopeNote ("one instance", "extension point") or fold it into its '
                "superclass"
            )
            warnings.append(_warning(about, term, SINGLE, message))
    return warnings


def _is_used(term: URIRef, usage: TermUsage, named: set[str]) -> bool:
    return str(term) in usage.used or term.removeprefix(ONTOLOGY_NS) in named


def _warning(about: Declared, term: URIRef, rule: str, message: str) -> Problem:
    line = declaration_line(about.module, str(term))
    return Problem(about.module.name, line, rule, str(term), message)


def vocabulary_line(usage: TermUsage, warnings: list[Problem]) -> str:
    """The counts of the warnings `term_warnings` found, for `validate` to print."""
    if usage.partial:
        return "Vocabulary use: not checked (a file does not parse, or the reasoner failed)"
    unused = sum(w.rule == UNUSED for w in warnings)
    single = sum(w.rule == SINGLE for w in warnings)
    return f"Vocabulary use: {unused} unused term(s), {single} class(es) with a single instance"
