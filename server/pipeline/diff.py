"""`alliance-kg diff OLD NEW`: what changed between two versions of the knowledge graph.

Each side is a build folder (holding `dataset.nq`), a project folder (its files are parsed and
assembled, not reasoned), or a git revision of the project. Classes, properties, individuals
and facts are listed as added, removed or changed; a fact changes when the sentences that
state it do.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF

from ..curie import turtle_name
from ..project import (
    BACKGROUND_GRAPH,
    GRAPH_NS,
    ID_NS,
    ONTOLOGY_GRAPH,
    PROVENANCE_GRAPH,
    SOURCE_NS,
    Project,
    source_graph,
)
from ..store.build_files import DATASET_FILE
from ..vocab import AKG, PREFIXES
from .assemble import Assembly, assemble
from .loading import load_sources

CLASS_KINDS = (OWL.Class,)
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
PROJECT_PARTS = ("ontology", "triples")
BLANK = Literal("[ ]")  # a blank node, as a description shows it: restrictions compare by shape
Term = URIRef | Literal
Pairs = frozenset[tuple[Term, Term]]


class DiffError(ValueError):
    """A side of the comparison cannot be read."""


@dataclass
class Snapshot:
    """The parts of one version that a diff compares, each with what describes it."""

    classes: dict[URIRef, Pairs] = field(default_factory=dict)
    properties: dict[URIRef, Pairs] = field(default_factory=dict)
    individuals: dict[URIRef, Pairs] = field(default_factory=dict)
    facts: dict[tuple[URIRef, tuple[Term, Term, Term]], frozenset[URIRef]] = field(
        default_factory=dict
    )


@dataclass
class Section:
    """Added, removed and changed items of one kind; changed ones with their differences."""

    title: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def counts(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"


NAMES = {**PREFIXES, "source": SOURCE_NS}


def show(term: Term) -> str:
    """A term as a curator reads it: a prefixed name where a prefix fits."""
    if isinstance(term, URIRef):
        return turtle_name(term, NAMES)
    if isinstance(term, Literal) and term.datatype is not None:  # n3() ends "^^<datatype>"
        return term.n3().removesuffix(f"<{term.datatype}>") + turtle_name(term.datatype, NAMES)
    return term.n3()


def _plain(term: object) -> Term:
    return BLANK if isinstance(term, BNode) else term  # type: ignore[return-value]


def _descriptions(graph: Graph, subjects: set[URIRef]) -> dict[URIRef, Pairs]:
    return {
        subject: frozenset((_plain(p), _plain(o)) for p, o in graph.predicate_objects(subject))
        for subject in subjects
    }


def snapshot(dataset: Dataset) -> Snapshot:
    """What a diff compares, from a dataset with the build's named graphs."""
    graphs = {str(g.identifier): g for g in dataset.graphs() if len(g)}
    ontology = graphs.get(ONTOLOGY_GRAPH, Graph())
    asserted = Graph()
    facts: dict[tuple[URIRef, tuple[Term, Term, Term]], set[URIRef]] = {}
    for name, graph in graphs.items():
        if name.startswith(source_graph("")) or name == BACKGROUND_GRAPH:
            asserted += graph
            for triple in graph:
                facts[(URIRef(name), triple)] = set()
    provenance = graphs.get(PROVENANCE_GRAPH, Graph())
    for statement in provenance.subjects(AKG.assertedIn, None):
        triple = tuple(
            provenance.value(statement, p) for p in (RDF.subject, RDF.predicate, RDF.object)
        )
        key = (provenance.value(statement, AKG.assertedIn), triple)
        if key in facts:
            facts[key].update(provenance.objects(statement, PROV.wasDerivedFrom))  # type: ignore[arg-type]

    def declared(kinds: tuple[URIRef, ...]) -> set[URIRef]:
        return {t for k in kinds for t in ontology.subjects(RDF.type, k) if isinstance(t, URIRef)}

    individuals = {s for s in asserted.subjects(RDF.type, None) if isinstance(s, URIRef)}
    return Snapshot(
        _descriptions(ontology, declared(CLASS_KINDS)),
        _descriptions(ontology, declared(PROPERTY_KINDS)),
        _descriptions(asserted, individuals),
        {key: frozenset(segments) for key, segments in facts.items()},
    )


def _assembled(root: Path) -> Dataset:
    sources = load_sources(Project(root))
    if sources.problems:
        raise DiffError("; ".join(str(p) for p in sources.problems))
    assembly: Assembly = assemble(sources)
    return assembly.dataset


def _git_files(project: Project, revision: str, target: Path) -> None:
    def git(*args: str) -> bytes:
        result = subprocess.run(
            ["git", "-C", str(project.root), *args], capture_output=True, check=False
        )
        if result.returncode:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise DiffError(f"{revision}: {message[-1] if message else 'git failed'}")
        return result.stdout

    prefix = git("rev-parse", "--show-prefix").decode().strip()
    archive = git("archive", "--format=tar", f"{revision}:{prefix}", *PROJECT_PARTS)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")


def load_side(project: Project, side: str) -> Snapshot:
    """A build folder, a project folder, or a git revision of `project`, as a snapshot."""
    path = Path(side)
    if (path / DATASET_FILE).is_file():
        dataset = Dataset()
        dataset.parse(path / DATASET_FILE, format="nquads")
        return snapshot(dataset)
    if (path / "ontology").is_dir():
        return snapshot(_assembled(path))
    with tempfile.TemporaryDirectory() as folder:
        _git_files(project, side, Path(folder))
        return snapshot(_assembled(Path(folder)))


def _pairs(pairs: Pairs) -> list[str]:
    return sorted(f"{show(p)} {show(o)}" for p, o in pairs)


def _compare_described(title: str, old: dict[URIRef, Pairs], new: dict[URIRef, Pairs]) -> Section:
    section = Section(title)
    section.added = sorted(show(t) for t in new.keys() - old.keys())
    section.removed = sorted(show(t) for t in old.keys() - new.keys())
    for term in sorted(old.keys() & new.keys()):
        if old[term] != new[term]:
            lines = [f"+ {pair}" for pair in _pairs(new[term] - old[term])]
            lines += [f"- {pair}" for pair in _pairs(old[term] - new[term])]
            section.changed[show(term)] = lines
    return section


def _fact(key: tuple[URIRef, tuple[Term, Term, Term]]) -> str:
    graph, triple = key
    return f"{' '.join(show(t) for t in triple)}  in {graph.removeprefix(GRAPH_NS)}"


def _segments(segments: frozenset[URIRef]) -> str:
    shown = (s.removeprefix(SOURCE_NS) if s.startswith(ID_NS) else show(s) for s in segments)
    return ", ".join(sorted(shown)) or "nothing"


def compare(old: Snapshot, new: Snapshot) -> list[Section]:
    """The differences from `old` to `new`, one section per kind of item."""
    facts = Section("Facts")
    facts.added = sorted(_fact(k) for k in new.facts.keys() - old.facts.keys())
    facts.removed = sorted(_fact(k) for k in old.facts.keys() - new.facts.keys())
    changed: dict[str, list[str]] = defaultdict(list)
    for key in old.facts.keys() & new.facts.keys():
        if old.facts[key] != new.facts[key]:
            line = f"stated by {_segments(old.facts[key])} -> {_segments(new.facts[key])}"
            changed[_fact(key)].append(line)
    facts.changed = dict(sorted(changed.items()))
    return [
        _compare_described("Classes", old.classes, new.classes),
        _compare_described("Properties", old.properties, new.properties),
        _compare_described("Individuals", old.individuals, new.individuals),
        facts,
    ]


def render_text(sections: list[Section], old: str, new: str) -> str:
    """The differences as plain text, one line per item, details indented."""
    lines = [f"Changes from {old} to {new}"]
    for section in sections:
        lines.append(f"{section.title}: {section.counts()}")
        lines += [f"  + {item}" for item in section.added]
        lines += [f"  - {item}" for item in section.removed]
        for item, details in section.changed.items():
            lines.append(f"  ~ {item}")
            lines += [f"      {detail}" for detail in details]
    return "\n".join(lines) + "\n"


def render_markdown(sections: list[Section], old: str, new: str) -> str:
    """The differences as Markdown, for a pull request or a change log."""
    lines = [f"# Changes from `{old}` to `{new}`", ""]
    for section in sections:
        lines += [f"## {section.title}: {section.counts()}", ""]
        lines += [f"- **added** `{item}`" for item in section.added]
        lines += [f"- **removed** `{item}`" for item in section.removed]
        for item, details in section.changed.items():
            lines.append(f"- **changed** `{item}`")
            lines += [f"  - `{detail}`" for detail in details]
        if section:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `alliance-kg diff`."""
    for side in ("old", "new"):
        parser.add_argument(
            side, help="a build folder (with dataset.nq), a project folder, or a git revision"
        )
    parser.add_argument("--markdown", action="store_true", help="write Markdown, not text")


def run(args: argparse.Namespace, project: Project) -> int:
    """Print the differences; exit 0 whether or not there are any, 2 if a side is unreadable."""
    try:
        sections = compare(load_side(project, args.old), load_side(project, args.new))
    except DiffError as error:
        print(f"diff: {error}", file=sys.stderr)
        return 2
    render = render_markdown if args.markdown else render_text
    sys.stdout.write(render(sections, args.old, args.new))
    return 0
