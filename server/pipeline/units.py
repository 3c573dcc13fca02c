"""Cut a project's sources into build units, so that a build's memory follows the size of a
unit, not of the project; and give each unit what the other units say of the entities it names.

A unit is a run of `UNIT_SOURCES` sources (a text file and a facts file sharing a slug), in slug
order; a project of a few essays is one unit. The build checks and reasons over each unit apart,
with the ontology, and with the types and literal values (labels, dates...) that the other
units' facts files state of the entities the unit names, read from an on-disk index of every
facts file. The index is written once, then only read, so that units can be checked in any
order, or at once in several processes, with the same outcome.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from ..project import GRAPH_NS, Project, is_entity

UNIT_SOURCES = 8
# what a unit reads from the others, never built: their facts, and their provenance graph's
# descriptions (of background resources), which the reasoner does not read
OTHER_SOURCES_GRAPH = GRAPH_NS + "other-sources"
OTHER_PROVENANCE_GRAPH = GRAPH_NS + "other-provenance"
WORK_PREFIX = ".build."  # the work folders of builds under way, in build/
_UNITS = GRAPH_NS + "unit/"  # the index's graphs: unit/<number>/facts, unit/<number>/provenance


class Unit:
    """The text and facts files of the sources checked and reasoned over together."""

    def __init__(self, texts: list[Path] | None = None, facts: list[Path] | None = None) -> None:
        self.texts = sorted(texts or [])
        self.facts = sorted(facts or [])


def plan_units(project: Project, size: int = UNIT_SOURCES) -> list[Unit]:
    """The project's sources, in slug order, `size` to a unit; always one unit at least."""
    texts = {path.stem: path for path in project.text_files()}
    facts = {path.stem: path for path in project.fact_files()}
    slugs = sorted(texts.keys() | facts.keys())
    units = [
        Unit(
            [texts[s] for s in slugs[start : start + size] if s in texts],
            [facts[s] for s in slugs[start : start + size] if s in facts],
        )
        for start in range(0, len(slugs), size)
    ]
    return units or [Unit()]


def work_folder(project: Project) -> Path:
    """A new folder for a build's intermediate files, in `build/`; the folders of builds whose
    process has gone (killed before it could clean up) are removed first."""
    project.build_dir.mkdir(parents=True, exist_ok=True)
    for old in project.build_dir.glob(f"{WORK_PREFIX}*"):
        pid = old.name.removeprefix(WORK_PREFIX).partition(".")[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    folder = project.build_dir / f"{WORK_PREFIX}{os.getpid()}.{os.urandom(4).hex()}"
    folder.mkdir()
    return folder


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, run by another user
    return True


def _unit_graph(number: int, part: str = "facts") -> ox.NamedNode:
    return ox.NamedNode(f"{_UNITS}{number}/{part}")


def _other_part(graph: ox.NamedNode | ox.DefaultGraph, number: int) -> str | None:
    """`facts` or `provenance`, which part of its facts file an index graph holds, if the graph
    is another unit's than `number`; None for this unit's own graphs, and any other graph."""
    name = graph.value if isinstance(graph, ox.NamedNode) else ""
    unit, _, part = name.removeprefix(_UNITS).partition("/")
    if not unit.isdigit() or int(unit) == number or part not in ("facts", "provenance"):
        return None
    return part


def _rdflib_term(term: ox.NamedNode | ox.Literal) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def index_facts(folder: Path, units: list[Unit]) -> None:
    """Write every unit's facts to an on-disk Oxigraph store in `folder`, each unit in graphs
    of its own, and close it: a `FactIndex` then reads it, in this process or another."""
    store = ox.Store(str(folder))
    for number, unit in enumerate(units):
        for path in unit.facts:
            store.bulk_extend(_quads_of(path, number))
    del store  # closes RocksDB: a store must not be carried over into a forked process


class FactIndex:
    """The index of every unit's facts, opened read-only: several processes may read it."""

    def __init__(self, folder: Path) -> None:
        self.store = ox.Store.read_only(str(folder))

    def __enter__(self) -> FactIndex:
        return self

    def __exit__(self, *exception: object) -> None:
        del self.store  # closes RocksDB before its folder goes

    def context(self, number: int, mentioned: set[URIRef]) -> dict[str, Graph]:
        """The types and literal values the other units state of the entities `mentioned` in
        unit `number`: what the shapes and the disjointness checks read. Relations between
        entities are left out, so that a much-cited entity does not bring in every unit; only
        facts files are read, never what a reasoner found, so that no unit depends on another.

        By graph: `OTHER_SOURCES_GRAPH` for facts, `OTHER_PROVENANCE_GRAPH` for what the
        provenance graph says (background resources), kept apart as the build keeps them.
        """
        found = {"facts": Graph(), "provenance": Graph()}
        for iri in sorted(mentioned):
            for quad in self.store.quads_for_pattern(ox.NamedNode(str(iri)), None, None):
                value, part = quad.object, _other_part(quad.graph_name, number)
                typed = quad.predicate.value == str(RDF.type) and isinstance(value, ox.NamedNode)
                if part and (typed or isinstance(value, ox.Literal)):
                    found[part].add((iri, URIRef(quad.predicate.value), _rdflib_term(value)))
        return {OTHER_SOURCES_GRAPH: found["facts"], OTHER_PROVENANCE_GRAPH: found["provenance"]}

    def asserted_elsewhere(self, number: int, triple: tuple[URIRef, URIRef, URIRef]) -> bool:
        """Whether another unit asserts `triple`, which this unit's reasoner found by inference."""
        s, p, o = (ox.NamedNode(str(term)) for term in triple)
        facts = self.store.quads_for_pattern(s, p, o)
        return any(_other_part(q.graph_name, number) == "facts" for q in facts)


def _quads_of(path: Path, number: int) -> Iterator[ox.Quad]:
    """The triples of a facts file: its named graphs' as the unit's facts, its default graph's
    (where background resources are described) as its provenance. A file that does not parse
    is its unit's problem, reported when that unit is checked."""
    try:
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TRIG))
    except SyntaxError:
        return
    facts, provenance = _unit_graph(number), _unit_graph(number, "provenance")
    for quad in quads:
        if not isinstance(quad.subject, ox.BlankNode) and not isinstance(quad.object, ox.BlankNode):
            graph = provenance if isinstance(quad.graph_name, ox.DefaultGraph) else facts
            yield ox.Quad(quad.subject, quad.predicate, quad.object, graph)


def mentioned_entities(graphs: list[Graph]) -> set[URIRef]:
    """The individuals named in `graphs`, as subject or object; not statements, nor another
    source's document or segments, which belong with that source's text."""
    found: set[URIRef] = set()
    for graph in graphs:
        for s, _, o in graph:
            found.update(t for t in (s, o) if isinstance(t, URIRef) and is_entity(t))
    return found
