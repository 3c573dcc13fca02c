"""Programmatic extension with owlready2, and errors that point at their file and line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from owlready2 import Thing, locstr
from rdflib import Dataset, URIRef
from rdflib.namespace import RDF, RDFS

from alliance_kg.authoring.owl_extension import Extension, ExtensionInconsistent
from alliance_kg.authoring.turtle_format import format_file
from alliance_kg.pipeline.assemble import assemble
from alliance_kg.pipeline.loading import load_sources
from alliance_kg.pipeline.problems import Problem
from alliance_kg.pipeline.validate import check_assembly
from alliance_kg.project import ID_NS, ONTOLOGY_NS, Project, source_iri

from .conftest import DATA, copy_project, overlay

ESSAY = "us-japan-alliance-adrift-again"
SUMMIT = URIRef(ID_NS + "event/tokyo-summit")
EVENT = URIRef(ONTOLOGY_NS + "Event")
UNSATISFIABLE = """
akg:StatePhase a owl:Class ;
    rdfs:label "State phase"@en ;
    skos:definition "A contradiction written for the tests."@en ;
    rdfs:isDefinedBy <https://w3id.org/alliance-kg/ontology/module/core> ;
    rdfs:subClassOf akg:State , akg:AlliancePhase .
"""


@pytest.fixture
def extension(tmp_path: Path) -> Iterator[Extension]:
    loaded = Extension.load(copy_project(tmp_path))
    yield loaded
    loaded.close()


def test_ontology_loads_as_python_classes(extension: Extension) -> None:
    akg = extension.terms
    assert issubclass(akg.State, akg.Actor)
    assert isinstance(extension.entity("actor/japan"), akg.State)
    assert akg.takesPlaceIn.range == [akg.State]


def test_new_individual_is_reasoned_about_and_written_back_formatted(
    extension: Extension,
) -> None:
    with extension.additions:
        summit = Thing("tokyo-summit", namespace=extension.ids("event"))
        summit.label = [locstr("Tokyo summit", "en")]
        summit.takesPlaceIn = [extension.entity("actor/japan")]
    inferred = extension.reason()
    assert (SUMMIT, RDF.type, EVENT) in inferred  # from the domain of akg:takesPlaceIn
    path = extension.write_facts(ESSAY, "p2-s3", inferred)
    assert format_file(path) == path.read_text("utf-8")
    dataset = Dataset()
    dataset.parse(path, format="trig")
    graph = dataset.graph(URIRef(f"{source_iri(ESSAY)}/p2-s3"))
    assert (SUMMIT, RDF.type, EVENT) in graph
    assert (SUMMIT, RDFS.label, None) in graph
    project = extension.project
    sources = load_sources(project)
    assert [str(p) for p in check_assembly(project, sources, assemble(sources))] == []


def test_inconsistent_addition_is_explained(extension: Extension) -> None:
    akg = extension.terms
    with extension.additions:
        phase = akg.AlliancePhase("odd-phase", namespace=extension.ids("phase"))
        phase.takesPlaceIn = [extension.entity("actor/japan")]
    with pytest.raises(ExtensionInconsistent) as failure:
        extension.reason()
    assert "phase:odd-phase would be both akg:AlliancePhase and akg:Event" in str(failure.value)


def check_without_reasoner(project: Project) -> list[Problem]:
    sources = load_sources(project)
    return check_assembly(project, sources, assemble(sources))


def test_individual_in_disjoint_classes_points_at_its_file_and_line(
    mini_project: Project,
) -> None:
    overlay(mini_project, DATA / "invalid" / "disjoint-types")
    problems = check_without_reasoner(mini_project)
    [clash] = [p for p in problems if p.rule == "disjoint-types"]
    assert clash.resource == ID_NS + "actor/test-state"
    assert (clash.file, clash.line) == ("triples/test-note.trig", 47)
    # both facts, each with its line: the two types are written on one line here
    assert "actor:test-state a akg:AlliancePhase written at triples/test-note.trig:47" in (
        clash.message
    )
    assert "actor:test-state a akg:State written at triples/test-note.trig:47" in clash.message


def test_unsatisfiable_class_points_at_its_module_and_line(mini_project: Project) -> None:
    with (mini_project.ontology_dir / "core.ttl").open("a", encoding="utf-8") as module:
        module.write(UNSATISFIABLE)
    problems = check_without_reasoner(mini_project)
    found = [p for p in problems if p.rule == "unsatisfiable-class-violation"]
    assert found and found[0].resource == ONTOLOGY_NS + "StatePhase"
    assert found[0].file == "ontology/core.ttl" and found[0].line is not None


@pytest.mark.parametrize(
    ("case", "file", "rule"),
    [
        ("syntax-error", "triples/test-note.trig", "parse"),
        ("undeclared-term", "triples/test-note.trig", "declared-terms"),
        ("wrong-offset", "triples/sources/test-note.ttl", "offsets"),
    ],
)
def test_errors_name_file_and_line(mini_project: Project, case: str, file: str, rule: str) -> None:
    overlay(mini_project, DATA / "invalid" / case)
    problem = next(p for p in check_without_reasoner(mini_project) if p.rule == rule)
    assert (problem.file, problem.line is not None) == (file, True)
    assert str(problem).startswith(f"{file}:{problem.line}: [{rule}]")
