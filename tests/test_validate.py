"""Validation: the essay passes every rule, and each broken fixture is caught by its rule."""

from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from alliance_kg.pipeline.assemble import assemble, statement_iri
from alliance_kg.pipeline.build import check_project
from alliance_kg.pipeline.loading import load_sources
from alliance_kg.project import Project
from alliance_kg.vocab import AKG

from .conftest import DATA, overlay

ID = "https://w3id.org/alliance-kg/id/"
AKG_NS = "https://w3id.org/alliance-kg/ontology/"
NOTE_GRAPH = "https://w3id.org/alliance-kg/graph/source/test-note"
NOTE = ID + "source/test-note/"

# fixture folder -> (rule, resource, file, line) that a problem must name; None: not checked
BROKEN = {
    "missing-label": (
        "shacl:LabelledResourceShape",
        ID + "actor/test-state",
        "triples/test-note.trig",
        23,
    ),
    "wrong-offset": ("offsets", NOTE + "p1-s2", "triples/sources/test-note.ttl", None),
    "undeclared-term": (
        "declared-terms",
        "https://w3id.org/alliance-kg/ontology/isFriendOf",
        "triples/test-note.trig",
        50,
    ),
    "disjoint-types": ("disjoint-types", ID + "actor/test-state", "triples/test-note.trig", 47),
    "syntax-error": ("parse", None, "triples/test-note.trig", 43),
    "boilerplate-citation": (
        "boilerplate-citation-violation",
        ID + "alliance/test-alliance",
        "triples/test-note.trig",
        60,
    ),
    "same-label": (
        "same-label-violation",
        ID + "actor/another-state",
        "triples/test-note.trig",
        47,
    ),
    "single-word-person-label": (
        "single-word-person-label-violation",
        ID + "actor/jane-roe",
        "triples/test-note.trig",
        33,
    ),
    "two-main-labels": (
        "two-main-labels-violation",
        ID + "actor/test-state",
        "triples/test-note.trig",
        23,
    ),
    "disconnected-claim": (
        "argument-disconnected-claim-violation",
        ID + "claim/test-state-is-anxious",
        "triples/test-note.trig",
        62,
    ),
    "missing-sentence": ("fact-graph", NOTE + "p1-s9", "triples/test-note.trig", 46),
    "misspelt-iri": ("unknown-iri", ID + "actor/test-stat", "triples/test-note.trig", 43),
    "literal-range": ("literal-range", ID + "event/test-election", "triples/test-note.trig", 53),
    "claim-covers-nothing": (
        "claim-covers",
        ID + "claim/alliance-is-steady",
        "triples/test-note.trig",
        45,
    ),
    "background-without-basis": (
        "shacl:BackgroundKnowledgeShape",
        ID + "background/test-state-alias",
        "triples/test-note.trig",
        15,
    ),
}


def test_mini_project_is_valid(mini_project: Project) -> None:
    checked = check_project(mini_project)
    assert [str(p) for p in checked.problems] == []
    assert checked.coverage.percent == 100.0


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_fixture_is_reported_with_rule_resource_and_place(
    mini_project: Project, case: str
) -> None:
    overlay(mini_project, DATA / "invalid" / case)
    rule, resource, file, line = BROKEN[case]
    problems = check_project(mini_project).problems
    matching = [p for p in problems if p.rule == rule]
    assert matching, f"no {rule} problem among: {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.file == file
    if resource:
        assert problem.resource == resource
        assert resource in str(problem)
    if line:
        assert problem.line == line


def test_disjointness_makes_the_reasoner_report_inconsistency(mini_project: Project) -> None:
    overlay(mini_project, DATA / "invalid" / "disjoint-types")
    rules = {p.rule for p in check_project(mini_project).problems}
    assert "reasoner" in rules


def test_essay_passes_every_rule_with_full_coverage(essay_project: Project) -> None:
    checked = check_project(essay_project)
    assert [str(p) for p in checked.problems] == []
    assert checked.coverage.total == 20
    assert checked.coverage.percent == 100.0
    assert all(c == t for c, t in checked.coverage.paragraphs.values())
    assert len(checked.coverage.paragraphs) == 4


def test_issue_13_same_label_problem_names_both_individuals_and_where_one_is_written(
    mini_project: Project,
) -> None:
    overlay(mini_project, DATA / "invalid" / "same-label")
    problems = check_project(mini_project).problems
    [problem] = [p for p in problems if p.rule == "same-label-violation"]
    assert ID + "actor/test-state" in problem.message
    assert '"Test State"@en' in problem.message
    assert problem.file == "triples/test-note.trig" and problem.line is not None


@pytest.mark.parametrize(
    "old, new",
    [
        ('"Test state"@en ;', '"Test state"@en , "Test alliance"@ja ;'),  # another language
        ('rdfs:label "Jane Roe"@en ;', 'rdfs:label "Jane Roe"@en , "ロー"@ja ;'),  # not English
        ('rdfs:label "Test state"@en ;', 'rdfs:label "Test state"@en , "Testland"@de ;'),
    ],
    ids=[
        "same-label-in-another-language",
        "single-word-label-in-japanese",
        "second-label-in-another-language",
    ],
)
def test_issue_13_label_checks_compare_english_main_labels_only(
    mini_project: Project, old: str, new: str
) -> None:
    facts = mini_project.triples_dir / "test-note.trig"
    text = facts.read_text("utf-8")
    assert text.count(old) == 1
    facts.write_text(text.replace(old, new), "utf-8")
    rules = {p.rule for p in check_project(mini_project).problems}
    assert not rules & {
        "same-label-violation",
        "single-word-person-label-violation",
        "two-main-labels-violation",
    }


def test_issue_13_a_claim_outside_a_sentence_graph_is_reported_where_it_is_written(
    mini_project: Project,
) -> None:
    overlay(mini_project, DATA / "invalid" / "disconnected-claim")
    facts = mini_project.triples_dir / "test-note.trig"
    text = facts.read_text("utf-8")
    claim = text[
        text.index("    claim:test-state-is-anxious") : text.index(
            "    .\n}", text.index("    claim:test-state-is-anxious")
        )
        + 6
    ]
    background = "bg:test-state-alias {\n"
    text = text.replace(claim, "").replace(background, background + claim + "\n")
    facts.write_text(text, "utf-8")
    [problem] = [p for p in check_project(mini_project).problems if p.rule == "claim-graph"]
    assert problem.resource == ID + "claim/test-state-is-anxious"
    assert problem.file == "triples/test-note.trig"
    assert text.splitlines()[problem.line - 1].strip() == "claim:test-state-is-anxious"


def test_issue_13_the_build_copies_a_claims_kind_factuality_and_holder_onto_its_facts(
    mini_project: Project,
) -> None:
    overlay(mini_project, DATA / "invalid" / "disconnected-claim")

    assembly = assemble(load_sources(mini_project))
    provenance = assembly.graph("https://w3id.org/alliance-kg/graph/provenance")
    state = URIRef(ID + "actor/test-state")
    covered = statement_iri(
        NOTE_GRAPH,
        (state, RDF.type, URIRef(AKG_NS + "State")),
    )
    assert provenance.value(covered, AKG.claimKind) == AKG.Report
    assert provenance.value(covered, AKG.partOfClaim) == URIRef(ID + "claim/test-state-is-anxious")
    alliance = URIRef(ID + "alliance/test-alliance")
    plain = statement_iri(NOTE_GRAPH, (alliance, RDF.type, AKG.Alliance))
    # covered by the thesis claim, an assessment
    assert provenance.value(plain, AKG.claimKind) == AKG.Assessment
    assert provenance.value(plain, AKG.factuality) == AKG.Certain
    author = URIRef(ID + "actor/jane-roe")
    byline = statement_iri(
        NOTE_GRAPH,
        (author, RDF.type, AKG.Author),
    )
    # no claim covers the byline: the source's default, a plain report by the author
    assert provenance.value(byline, AKG.claimKind) == AKG.Report
    assert provenance.value(byline, AKG.accordingTo) == author
    assert provenance.value(byline, AKG.partOfClaim) is None


@pytest.mark.parametrize(
    "case, rule, hint",
    [
        ("misspelt-iri", "unknown-iri", "did you mean actor:test-state"),
        ("literal-range", "literal-range", "the range is xsd:gYear, but the value is a language"),
        ("literal-range", "literal-range", '"2007"^^xsd:gYear'),
        ("missing-sentence", "fact-graph", "did you mean s:p1-s2"),
        ("missing-sentence", "fact-graph", "2 sentences, p1-s1 to p1-s2"),
    ],
)
def test_issue_14_a_curator_mistake_comes_with_a_hint(
    mini_project: Project, case: str, rule: str, hint: str
) -> None:
    overlay(mini_project, DATA / "invalid" / case)
    [problem] = [p for p in check_project(mini_project).problems if p.rule == rule]
    assert hint in problem.message, problem.message


def test_issue_14_facts_cited_to_a_whole_paragraph_are_refused(mini_project: Project) -> None:
    facts = mini_project.triples_dir / "test-note.trig"
    facts.write_text(facts.read_text("utf-8").replace("s:p1-s2 {", "s:p1 {"), "utf-8")
    [problem] = [p for p in check_project(mini_project).problems if p.rule == "fact-graph"]
    assert problem.resource == NOTE + "p1"
    assert "is not a sentence, the title or the byline" in problem.message
