"""Claim typing and argument links in `validate` and the build manifest, and shape problems
about a fact's generated statement reported where the fact is written (issue 13)."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from alliance_kg.cli import main
from alliance_kg.pipeline.build import build_project, check_project
from alliance_kg.pipeline.coverage import ARGUMENT_LINKS
from alliance_kg.project import Project
from alliance_kg.vocab import AKG

from .conftest import DATA, REPO, copy_source, overlay

ID = "https://w3id.org/alliance-kg/id/"
FACTS = "triples/test-note.trig"
CLAIM_LINES = [
    "Claim typing (sentences whose every fact has a claim kind, factuality and holder):",
    "  test-note: 1/2 sentences, 50.0 %",
    "  total: 1/2 sentences, 50.0 %",
    "  argument links: 2 (akg:contrastsWith 1, akg:supports 1)",
]
DEFAULT = """<https://w3id.org/alliance-kg/id/source/test-note>
    akg:plainReportsAccordingTo actor:jane-roe ;
.

"""


@pytest.fixture
def claims_project(mini_project: Project) -> Project:
    """The mini project whose first sentence is typed by a claim and whose second sentence
    states a fact no claim covers, in a source without a default holder."""
    overlay(mini_project, DATA / "claims")
    return mini_project


def with_default_holder(project: Project) -> Project:
    """Give the source a default holder, so that every fact is typed and the project valid."""
    facts = project.root / FACTS
    text = facts.read_text("utf-8")
    first = text.index("bg:test-state-alias\n")
    facts.write_text(text[:first] + DEFAULT + text[first:], "utf-8")
    return project


def test_validate_prints_typed_sentences_and_argument_links(
    claims_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--project", str(claims_project.root), "validate"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1  # the untyped fact breaks a shape
    start = out.index(CLAIM_LINES[0])
    assert out[start : start + len(CLAIM_LINES)] == CLAIM_LINES


def test_a_sentence_with_an_untyped_fact_is_not_typed(claims_project: Project) -> None:
    coverage = check_project(claims_project).coverage
    assert coverage.typed == {ID + "source/test-note": (1, 2)}
    assert coverage.typed_percent == 50.0
    assert coverage.links_by_property() == {"akg:contrastsWith": 1, "akg:supports": 1}


def test_issue_13_untyped_fact_is_reported_at_its_subject_in_its_sentence_graph(
    claims_project: Project,
) -> None:
    """The statement of the fact is generated: the problem points at the fact's subject in the
    graph of the sentence that states it, not at the background graph that names it first."""
    lines = (claims_project.root / FACTS).read_text("utf-8").splitlines()
    graph = lines.index("s:p1-s2 {")
    subject = lines.index("    actor:test-state", graph) + 1
    problems = check_project(claims_project).problems
    [problem] = [
        p
        for p in problems
        if p.rule == "shacl:EssayFactClaimShape"
        and p.resource == ID + "actor/test-state"
        and "akg:claimKind" in p.message
    ]
    assert (problem.file, problem.line) == (FACTS, subject)
    assert "(fact: actor:test-state rdf:type akg:State)" in problem.message
    assert str(problem).startswith(f"{FACTS}:{subject}: ")


def test_manifest_gives_typed_sentences_and_argument_links(claims_project: Project) -> None:
    manifest = json.loads(
        (build_project(with_default_holder(claims_project)) / "manifest.json").read_text()
    )
    assert manifest["typed_sentence_percent"] == 100.0
    assert manifest["argument_links"] == 2
    assert manifest["argument_links_by_property"] == {"akg:contrastsWith": 1, "akg:supports": 1}


def test_claim_figures_are_the_same_one_source_a_unit(claims_project: Project) -> None:
    copy_source(with_default_holder(claims_project), "test-note", "test-note-2")
    together, apart = check_project(claims_project), check_project(claims_project, 1)
    assert apart.coverage.typed == together.coverage.typed
    assert len(together.coverage.typed) == 2
    assert apart.coverage.links_by_property() == together.coverage.links_by_property()
    assert together.coverage.link_count == 4


def test_argument_links_are_properties_between_claims_in_the_ontology() -> None:
    ontology = Graph()
    for module in sorted((REPO / "ontology").glob("*.ttl")):
        ontology.parse(module, format="turtle")
    for link in ARGUMENT_LINKS:
        assert (link, RDF.type, OWL.ObjectProperty) in ontology, link
        assert (link, RDFS.domain, AKG.Claim) in ontology, link
        assert (link, RDFS.range, AKG.Claim) in ontology, link
