"""Validation: the essay passes every rule, and each broken fixture is caught by its rule."""

from __future__ import annotations

import pytest

from alliance_kg.pipeline.build import check_project
from alliance_kg.project import Project

from .conftest import DATA, overlay

ID = "https://w3id.org/alliance-kg/id/"
NOTE = ID + "source/test-note/"

# fixture folder -> (rule, resource, file, line) that a problem must name; None: not checked
BROKEN = {
    "missing-label": (
        "shacl:LabelledResourceShape",
        ID + "actor/test-state",
        "triples/test-note.trig",
        19,
    ),
    "wrong-offset": ("offsets", NOTE + "p1-s2", "triples/sources/test-note.ttl", None),
    "undeclared-term": (
        "declared-terms",
        "https://w3id.org/alliance-kg/ontology/isFriendOf",
        "triples/test-note.trig",
        46,
    ),
    "disjoint-types": (
        "disjoint-types-violation",
        ID + "actor/test-state",
        "queries/checks/disjoint-types-violation.rq",
        None,
    ),
    "syntax-error": ("parse", None, "triples/test-note.trig", 39),
    "boilerplate-citation": (
        "boilerplate-citation-violation",
        None,
        "queries/checks/boilerplate-citation-violation.rq",
        None,
    ),
    "background-without-basis": (
        "shacl:BackgroundKnowledgeShape",
        ID + "background/test-state-alias",
        "triples/test-note.trig",
        11,
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
