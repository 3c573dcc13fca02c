"""new-term: terms land in their module with every annotation, formatted, and stay valid."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from alliance_kg.authoring import new_term
from alliance_kg.authoring.turtle_format import format_file
from alliance_kg.pipeline.build import check_project
from alliance_kg.project import ONTOLOGY_NS, Project

from .conftest import copy_project

AKG = ONTOLOGY_NS
MODULE = ONTOLOGY_NS + "module/"
DIALOGUE = (
    "class",
    "SecurityDialogue",
    "--label",
    "Security dialogue",
    "--definition",
    "An issue that is a standing channel of talks in which states discuss their security.",
    "--module",
    "issues",
    "--parent",
    "akg:Issue",
)
HOSTS = (
    "object-property",
    "hosts",
    "--label",
    "hosts",
    "--definition",
    "Relates a state to an event held on its territory.",
    "--module",
    "events",
    "--domain",
    "akg:State",
    "--range",
    "akg:Event",
    "--inverse",
    "isHostedBy",
    "--inverse-definition",
    "Relates an event to the state on whose territory it is held.",
)
FOUNDED = (
    "datatype-property",
    "foundingYear",
    "--label",
    "founding year",
    "--definition",
    "The calendar year in which an alliance was founded.",
    "--module",
    "alliance",
    "--domain",
    "akg:Alliance",
    "--range",
    "xsd:gYear",
    "--functional",
)


def new_term_cli(project: Project, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    new_term.add_arguments(parser)
    return new_term.run(parser.parse_args(list(argv)), project)


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = copy_project(tmp_path_factory.mktemp("extended"))
    for argv in (DIALOGUE, HOSTS, FOUNDED):
        assert new_term_cli(project, *argv) == 0
    return project


def module(project: Project, name: str) -> Graph:
    return Graph().parse(project.ontology_dir / f"{name}.ttl")


def test_class_is_written_with_every_annotation(extended: Project) -> None:
    term = URIRef(AKG + "SecurityDialogue")
    graph = module(extended, "issues")
    assert (term, RDF.type, OWL.Class) in graph
    assert graph.value(term, RDFS.label) == Literal("Security dialogue", lang="en")
    assert graph.value(term, SKOS.definition).language == "en"
    assert graph.value(term, RDFS.isDefinedBy) == URIRef(MODULE + "issues")
    assert graph.value(term, RDFS.subClassOf) == URIRef(AKG + "Issue")


def test_object_property_gets_a_declared_inverse(extended: Project) -> None:
    graph = module(extended, "events")
    hosts, hosted = URIRef(AKG + "hosts"), URIRef(AKG + "isHostedBy")
    assert (hosts, OWL.inverseOf, hosted) in graph
    assert (hosted, OWL.inverseOf, hosts) in graph
    assert graph.value(hosted, RDFS.label) == Literal("is hosted by", lang="en")
    assert graph.value(hosted, RDFS.domain) == URIRef(AKG + "Event")
    assert graph.value(hosted, RDFS.range) == URIRef(AKG + "State")


def test_datatype_property_has_its_datatype_range(extended: Project) -> None:
    term = URIRef(AKG + "foundingYear")
    graph = module(extended, "alliance")
    assert graph.value(term, RDFS.range) == URIRef("http://www.w3.org/2001/XMLSchema#gYear")
    assert (term, RDF.type, OWL.FunctionalProperty) in graph


def test_modules_stay_formatted_and_the_project_valid(extended: Project) -> None:
    for name in ("issues", "events", "alliance"):
        path = extended.ontology_dir / f"{name}.ttl"
        assert format_file(path) == path.read_text("utf-8")
    assert [str(p) for p in check_project(extended).problems] == []


def test_linking_an_existing_inverse_writes_both_sides(extended: Project, tmp_path: Path) -> None:
    project = copy_project(tmp_path, ("ontology",))
    argv = [*HOSTS[:-4], "--inverse", "akg:takesPlaceIn"]
    assert new_term_cli(project, *argv) == 0
    graph = module(project, "events")
    assert (URIRef(AKG + "takesPlaceIn"), OWL.inverseOf, URIRef(AKG + "hosts")) in graph


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (DIALOGUE, "akg:SecurityDialogue is already declared at ontology/issues.ttl:"),
        ((*DIALOGUE[:7], "nowhere"), "unknown module 'nowhere': choose one of actors,"),
        (("class", "SecurityTalks", *DIALOGUE[2:-1], "akg:Dialogue"), "parent akg:Dialogue is"),
        ((*HOSTS[:9], "akg:Place", *HOSTS[10:]), "domain akg:Place is not declared"),
        ((*FOUNDED[:11], "akg:Alliance"), "range akg:Alliance is not an XSD datatype"),
        ((*FOUNDED[:11], "xsd:positiveInteger"), "the engine serves it as xsd:integer"),
        ((*HOSTS[:11], "akg:hasPhase"), "range akg:hasPhase is not declared in ontology/ as"),
        (("class", "securityTalks", *DIALOGUE[2:]), "a class is named as an UpperCamelCase"),
        (HOSTS[:-2], "inverse isHostedBy is not declared: to declare it too"),
    ],
)
def test_new_term_refuses_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    project = copy_project(tmp_path, ("ontology",))
    assert new_term_cli(project, *DIALOGUE) == 0
    before = {p.name: p.read_text("utf-8") for p in project.ontology_files()}
    assert new_term_cli(project, *argv) == 1
    assert message in capsys.readouterr().err
    assert before == {p.name: p.read_text("utf-8") for p in project.ontology_files()}
