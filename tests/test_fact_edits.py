"""Adding and removing facts through `fact_edits`: checked on a copy, written as `fmt` writes,
and refused without touching a file when the edit would add a problem (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef, namespace
from rdflib.namespace import RDF, RDFS

from alliance_kg.authoring import fact_edits
from alliance_kg.authoring.fact_edits import (
    Claim,
    EditError,
    Fact,
    Individual,
    SentenceEdit,
    apply_edit,
)
from alliance_kg.authoring.turtle_format import format_file
from alliance_kg.pipeline.build import check_project
from alliance_kg.pipeline.claims import claims_in, tags_of
from alliance_kg.project import Project
from alliance_kg.vocab import AKG

from .conftest import DATA, overlay

ID = "https://w3id.org/alliance-kg/id/"
NOTE = "https://w3id.org/alliance-kg/id/source/test-note/"
STATE, ALLIANCE = URIRef(ID + "actor/test-state"), URIRef(ID + "alliance/test-alliance")
JANE, VISIT = URIRef(ID + "actor/jane-roe"), URIRef(ID + "event/test-visit")
POSSIBLE = Claim(AKG.Assessment, URIRef(str(AKG) + "Possible"), JANE)


def snapshot(project: Project) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in project.root.rglob("*") if path.is_file()}


def graph_of(project: Project, sentence: str) -> Dataset:
    dataset = Dataset()
    dataset.parse(project.triples_dir / "test-note.trig", format="trig")
    return dataset.graph(URIRef(NOTE + sentence))


def party(claim: Claim | None = None) -> Fact:
    return Fact(STATE, URIRef(str(AKG) + "isPartyTo"), ALLIANCE, claim)


def dated_visit(sentence: str, year: str) -> SentenceEdit:
    """A new event with a year of the wrong datatype (xsd:date, not xsd:gYear)."""
    visit = Individual("event", "test-visit", AKG.Event, "Test visit")
    fact = Fact(visit.iri, AKG.year, Literal(year, datatype=namespace.XSD.date))
    return SentenceEdit("test-note", sentence, add=(fact,), declare=(visit,))


def test_an_added_fact_is_written_in_its_sentence_formatted_as_fmt_writes_it(
    mini_project: Project,
) -> None:
    outcome = apply_edit(mini_project, [SentenceEdit("test-note", "p1-s2", add=(party(),))])
    facts = mini_project.triples_dir / "test-note.trig"
    assert outcome.accepted and outcome.written == [facts]
    assert party().triple in set(graph_of(mini_project, "p1-s2"))
    assert facts.read_text("utf-8") == format_file(facts)
    assert [(c.sentence, c.added) for c in outcome.changes] == [
        (URIRef(NOTE + "p1-s2"), [party().triple])
    ]
    assert outcome.changes[0].text == "Japan is anxious about the F-4 fighters."
    assert not list(facts.parent.glob(".*.tmp"))


def test_an_edit_declares_a_new_individual_with_its_type_and_label(
    mini_project: Project,
) -> None:
    weapon = Individual("weapon", "f-4-fighter", URIRef(str(AKG) + "FighterAircraft"), "F-4")
    concerns = Fact(STATE, URIRef(str(AKG) + "isAnxiousAbout"), weapon.iri)
    edit = SentenceEdit("test-note", f"{NOTE}p1-s2", add=(concerns,), declare=(weapon,))
    # F-4 is a weapon system, not an issue: the range of isAnxiousAbout makes it one
    refused = apply_edit(mini_project, [edit])
    assert {p.rule for p in refused.problems} >= {"disjoint-types"}
    operates = Fact(STATE, URIRef(str(AKG) + "operates"), weapon.iri)
    edit = SentenceEdit("test-note", "s:p1-s2", add=(operates,), declare=(weapon,))
    outcome = apply_edit(mini_project, [edit])
    assert outcome.accepted, outcome.problems
    graph = graph_of(mini_project, "p1-s2")
    assert (weapon.iri, RDF.type, weapon.type) in graph
    assert (weapon.iri, RDFS.label, Literal("F-4", lang="en")) in graph


def test_a_refused_edit_changes_no_file_and_gives_the_problems_validate_gives(
    mini_project: Project,
) -> None:
    before = snapshot(mini_project)
    outcome = apply_edit(mini_project, [dated_visit("p1-s1", "2007")])
    assert not outcome.accepted and outcome.written == []
    assert snapshot(mini_project) == before
    for path, text in outcome.texts.items():
        path.write_text(text, "utf-8")
    assert outcome.problems == sorted(check_project(mini_project).problems)
    assert [p.rule for p in outcome.problems] == ["literal-range"]
    assert str(outcome.problems[0]).startswith("triples/test-note.trig:")


def test_an_unknown_sentence_or_source_is_an_edit_error(mini_project: Project) -> None:
    with pytest.raises(EditError, match=r"'p3-s1' is unknown: .* test-note .*\(p1-s1 to p1-s2\)"):
        apply_edit(mini_project, [SentenceEdit("test-note", "p3-s1", add=(party(),))])
    with pytest.raises(EditError, match="'p1' is a paragraph, not a sentence"):
        apply_edit(mini_project, [SentenceEdit("test-note", "p1", add=(party(),))])
    with pytest.raises(EditError, match=r"no facts file triples/other\.trig"):
        apply_edit(mini_project, [SentenceEdit("other", "p1-s1", add=(party(),))])


def test_an_already_broken_project_takes_an_edit_that_adds_no_problem(
    mini_project: Project,
) -> None:
    overlay(mini_project, DATA / "invalid" / "missing-label")
    broken = check_project(mini_project).problems
    assert broken
    outcome = apply_edit(mini_project, [SentenceEdit("test-note", "p1-s2", add=(party(),))])
    assert outcome.accepted, outcome.problems
    refused = apply_edit(mini_project, [dated_visit("p1-s2", "2007")])
    assert [p.rule for p in refused.problems] == ["literal-range"]
    assert refused.problems[0].resource == str(VISIT)


def test_a_claim_covers_the_fact_narrowed_to_its_property_when_the_subject_has_others(
    mini_project: Project,
) -> None:
    edits = [
        SentenceEdit("test-note", "p1-s2", add=(party(POSSIBLE),)),
        SentenceEdit("test-note", "p1-s1", add=(party(POSSIBLE),)),
    ]
    outcome = apply_edit(mini_project, edits)
    assert outcome.accepted, outcome.problems
    graph = graph_of(mini_project, "p1-s2")
    (claim,) = claims_in(graph)
    assert claim.covers == {STATE} and claim.properties == {party().property}
    assert str(claim.tag.claim) == ID + "claim/test-state-assessment"
    assert graph.value(claim.tag.claim, RDFS.label) == Literal(outcome.changes[0].text, lang="en")
    assert tags_of((STATE, RDF.type, URIRef(str(AKG) + "State")), [claim]) == []
    (broad,) = claims_in(graph_of(mini_project, "p1-s1"))  # the state has no other fact there
    assert broad.covers == {STATE} and broad.properties == frozenset()
    assert str(broad.tag.claim) == ID + "claim/test-state-assessment-2"


def test_a_fact_joins_the_claim_of_its_sentence_with_the_same_kind_and_holder(
    mini_project: Project,
) -> None:
    first = apply_edit(mini_project, [SentenceEdit("test-note", "p1-s2", add=(party(POSSIBLE),))])
    anxious = Fact(STATE, URIRef(str(AKG) + "isAnxiousAbout"), URIRef(ID + "issue/f-4"), POSSIBLE)
    issue = Individual("issue", "f-4", URIRef(str(AKG) + "WeaponsProcurement"), "F-4 purchase")
    second = apply_edit(
        mini_project, [SentenceEdit("test-note", "p1-s2", (anxious,), (), (issue,))]
    )
    assert first.accepted and second.accepted, second.problems
    (claim,) = claims_in(graph_of(mini_project, "p1-s2"))
    assert claim.properties == {party().property, anxious.property}


def test_removing_the_last_fact_of_a_claim_needs_the_claim_removed_too(
    mini_project: Project,
) -> None:
    apply_edit(mini_project, [SentenceEdit("test-note", "p1-s2", add=(party(POSSIBLE),))])
    claim = URIRef(ID + "claim/test-state-assessment")
    alone = apply_edit(mini_project, [SentenceEdit("test-note", "p1-s2", remove=(party(),))])
    assert (claim, AKG.covers, STATE) in alone.changes[0].removed
    assert [(p.rule, p.resource) for p in alone.problems] == [("shacl:ClaimShape", str(claim))]
    graph = graph_of(mini_project, "p1-s2")
    record = tuple(Fact(claim, p, o) for _, p, o in graph.triples((claim, None, None)))
    edit = SentenceEdit("test-note", "p1-s2", remove=(party(), *record))
    outcome = apply_edit(mini_project, [edit])
    assert outcome.accepted, outcome.problems
    assert claims_in(graph_of(mini_project, "p1-s2")) == []


def test_an_edit_whose_file_changed_meanwhile_is_not_written(
    mini_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = mini_project.triples_dir / "test-note.trig"

    def meanwhile(project: Project, texts: dict[Path, str], baseline: object = None) -> list:
        facts.write_text(facts.read_text("utf-8") + "\n", "utf-8")
        return []

    monkeypatch.setattr(fact_edits, "new_problems", meanwhile)
    changed = facts.read_text("utf-8") + "\n"
    outcome = apply_edit(mini_project, [SentenceEdit("test-note", "p1-s2", add=(party(),))])
    assert [p.rule for p in outcome.problems] == ["edit-conflict"]
    assert facts.read_text("utf-8") == changed


def test_a_file_that_does_not_parse_blocks_every_edit(mini_project: Project) -> None:
    (mini_project.triples_dir / "broken.trig").write_text("s:p1-s1 { not trig", "utf-8")
    outcome = apply_edit(mini_project, [SentenceEdit("test-note", "p1-s2", add=(party(),))])
    assert [(p.file, p.rule) for p in outcome.problems] == [("triples/broken.trig", "parse")]


def test_correcting_a_value_in_one_edit_keeps_the_facts_claim(mini_project: Project) -> None:
    """Remove the old fact and add the new one in one edit: the claim still covers it."""
    assert apply_edit(mini_project, [SentenceEdit("test-note", "p1-s2", add=(party(POSSIBLE),))])
    other = Individual("alliance", "other-alliance", AKG.Alliance, "Other alliance")
    corrected = Fact(STATE, party().property, other.iri)
    edit = SentenceEdit("test-note", "p1-s2", add=(corrected,), remove=(party(),), declare=(other,))
    outcome = apply_edit(mini_project, [edit])
    assert outcome.accepted, outcome.problems
    [tag] = tags_of(corrected.triple, claims_in(graph_of(mini_project, "p1-s2")))
    assert (tag.kind, tag.factuality) == (POSSIBLE.kind, POSSIBLE.factuality)
