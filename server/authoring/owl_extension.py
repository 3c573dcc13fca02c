"""Extend the knowledge graph from Python with owlready2: the ontology's classes and properties
as Python objects, new individuals and facts, HermiT, and the result written back as the
project's formatted TriG.

owlready2 reads RDF/XML and N-Triples but not Turtle, so the project's files are merged with
rdflib and handed over as N-Triples. Everything created inside `with extension.additions:` goes
to a separate ontology, which is what `write_facts` writes back; the reasoner's conclusions go
to another, so they are never mistaken for what the curator stated.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import owlready2
import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import OWL, RDF

from ..pipeline.assemble import assemble
from ..pipeline.build import reasoner_facts
from ..pipeline.clashes import clashes, unwritten
from ..pipeline.diff import show
from ..pipeline.loading import load_sources
from ..pipeline.reason import reasoner_input
from ..project import ID_NS, ONTOLOGY_GRAPH, ONTOLOGY_NS, Project, source_iri
from .sources import segment_prefix
from .turtle_format import declared_prefixes, format_trig

ADDITIONS = ID_NS + "extension"
INFERENCES = ID_NS + "extension-inferred"


def _short(node: ox.NamedNode) -> str:
    return show(URIRef(node.value))


class ExtensionInconsistent(Exception):
    """HermiT finds no model of the ontology, the facts and the additions together."""


def _saved(ontology: Any) -> Graph:
    """An owlready2 ontology's own triples as an rdflib graph, via N-Triples."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.nt"
        ontology.save(file=str(path), format="ntriples")
        graph = Graph().parse(path, format="nt")
    for triple in list(graph):
        if triple[2] in (OWL.NamedIndividual, OWL.Ontology):
            graph.remove(triple)
    return graph


@dataclass
class Extension:
    """The project's ontology and asserted facts loaded in an owlready2 world.

    `terms` is the akg: namespace: `terms.State` is a Python class, `terms.takesPlaceIn` a
    property. Create new things inside `with extension.additions:`.
    """

    project: Project
    world: Any
    base: Any
    additions: Any
    merged: Graph

    @classmethod
    def load(cls, project: Project) -> Extension:
        """The ontology modules and every asserted fact, as owlready2 classes and individuals."""
        assembly = assemble(load_sources(project))
        merged = reasoner_input([assembly.graph(ONTOLOGY_GRAPH), *reasoner_facts(assembly)])
        world = owlready2.World()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "project.nt"
            merged.serialize(destination=path, format="nt", encoding="utf-8")
            base = world.get_ontology(path.as_uri()).load(format="ntriples")
        additions = world.get_ontology(ADDITIONS)
        return cls(project, world, base, additions, merged)

    @property
    def terms(self) -> Any:
        """The ontology's terms: `terms.Event("x", namespace=...)`, `terms.hasPhase`."""
        return self.world.get_namespace(ONTOLOGY_NS)

    def ids(self, kind: str) -> Any:
        """The namespace for new individuals of a kind (`event`, `actor`, ...), in additions."""
        return self.additions.get_namespace(f"{ID_NS}{kind}/")

    def entity(self, path: str) -> Any:
        """An existing individual by its path under /id/, such as `actor/japan`."""
        found = self.world[ID_NS + path]
        if found is None:
            raise KeyError(f"no individual {ID_NS + path}")
        return found

    def added(self) -> Graph:
        """What was created or stated in `additions`, as RDF."""
        return _saved(self.additions)

    def reason(self) -> Graph:
        """Run HermiT over everything; return what it concludes about the added individuals.

        Raises ExtensionInconsistent, naming the individual and the disjoint classes behind
        the contradiction where the project's explaining check finds them.
        """
        inferences = self.world.get_ontology(INFERENCES)
        try:
            with inferences:
                owlready2.sync_reasoner_hermit(
                    [self.base, self.additions],
                    infer_property_values=True,
                    ignore_unsupported_datatypes=True,
                    debug=0,
                )
        except owlready2.OwlReadyInconsistentOntologyError as error:
            raise ExtensionInconsistent(self.explain()) from error
        subjects = set(self.added().subjects())
        inferred = Graph()
        for triple in _saved(inferences):
            if triple[0] in subjects and triple not in self.merged:
                inferred.add(triple)
        return inferred

    def explain(self) -> str:
        """Why the additions contradict the ontology: the facts behind each pair of disjoint
        classes an individual would fall in."""
        ontology = self.merged  # the ontology's axioms are merged with the facts
        reasons = [
            f"{show(clash.individual)} would be both {show(clash.first)} and "
            f"{show(clash.second)}, which are disjoint ({clash.because_first}; "
            f"{clash.because_second})"
            for clash in clashes(ontology, unwritten(self.merged + self.added()))
        ]
        if not reasons:
            reasons = ["HermiT, through owlready2, gives no explanation; check the added facts"]
        return "HermiT finds the extension inconsistent: " + "; ".join(reasons)

    def write_facts(self, slug: str, segment: str, extra: Graph | None = None) -> Path:
        """Add the additions (and `extra`, such as chosen inferences) to `triples/{slug}.trig`,
        in the graph of the segment that states them (`p1-s2`), and reformat the file."""
        path = self.project.triples_dir / f"{slug}.trig"
        text = path.read_text("utf-8")
        dataset = Dataset()
        dataset.parse(data=text, format="trig")
        graph = dataset.graph(URIRef(f"{source_iri(slug)}/{segment}"))
        for triple in self.added() + (extra or Graph()):
            if triple[1] != RDF.type or triple[2] != OWL.Thing:
                graph.add(triple)
        prefixes = {**declared_prefixes(text), **segment_prefix(slug)}
        path.write_text(format_trig(dataset, prefixes), "utf-8")
        return path

    def close(self) -> None:
        self.world.close()
