"""Builds that go one unit of sources at a time: the same dataset, the same problems found."""

from __future__ import annotations

import pytest

from alliance_kg.pipeline.build import build_project, check_project, current_build
from alliance_kg.pipeline.problems import InvalidProject
from alliance_kg.pipeline.units import plan_units
from alliance_kg.project import Project

from .conftest import copy_source

ONE_SOURCE_A_UNIT = 1
LABEL = '        rdfs:label "Test state"@en ;\n'
BACKGROUND = """bg:test-state-alias
    a akg:BackgroundKnowledge ;
    rdfs:label "Another name of the test state"@en ;
    prov:wasDerivedFrom s:p1-s2 ;
    akg:basis "Written for the tests: the test state is also called Nihon."@en ;
.
"""


@pytest.fixture
def two_notes(mini_project: Project) -> Project:
    """The mini project with a second note that names the test state without labelling it,
    and cites the background resource the first note describes."""
    facts = copy_source(mini_project, "test-note", "test-note-2")
    text = facts.read_text("utf-8").replace("test-note-2/p1-s2", "test-note/p1-s2")
    assert LABEL in text and BACKGROUND.replace("s:p1-s2", "s:p1-s2") in text
    facts.write_text(text.replace(LABEL, "").replace(BACKGROUND, ""), "utf-8")
    return mini_project


def test_sources_are_cut_into_units_in_slug_order(two_notes: Project) -> None:
    assert len(plan_units(two_notes)) == 1
    units = plan_units(two_notes, ONE_SOURCE_A_UNIT)
    assert [[p.name for p in u.texts + u.facts] for u in units] == [
        ["test-note.ttl", "test-note.trig"],
        ["test-note-2.ttl", "test-note-2.trig"],
    ]


def test_a_unit_is_checked_with_what_other_units_say_of_its_entities(
    two_notes: Project,
) -> None:
    """The label of the test state and the background resource's basis are in the first note
    only: the second passes all the same."""
    report = check_project(two_notes, ONE_SOURCE_A_UNIT)
    assert [str(p) for p in report.problems] == []
    assert len(report.coverage.documents) == 2
    assert report.coverage.percent == 100.0
    assert report.inferred == check_project(two_notes).inferred > 0


def test_a_contradiction_across_units_is_found_and_reported_once(two_notes: Project) -> None:
    facts = two_notes.triples_dir / "test-note-2.trig"
    text = facts.read_text("utf-8")
    facts.write_text(text.replace("a akg:State ;", "a akg:AlliancePhase ;"), "utf-8")
    whole = check_project(two_notes).problems  # one unit: the reasoner sees both notes
    split = check_project(two_notes, ONE_SOURCE_A_UNIT).problems
    assert {"reasoner", "disjoint-types"} <= {p.rule for p in split}
    assert sorted((p.rule, p.resource) for p in split) == sorted(
        (p.rule, p.resource) for p in whole
    )


def test_a_build_unit_by_unit_writes_the_same_dataset(two_notes: Project) -> None:
    whole = build_project(two_notes)
    data = (whole / "dataset.nq").read_bytes()
    manifest = (whole / "manifest.json").read_text("utf-8")
    streamed = build_project(two_notes, ONE_SOURCE_A_UNIT)
    assert streamed == whole
    assert (streamed / "dataset.nq").read_bytes() == data
    assert (streamed / "manifest.json").read_text("utf-8") == manifest
    assert b"graph/source/test-note-2>" in data


def test_a_broken_later_unit_leaves_the_previous_build(two_notes: Project) -> None:
    first = build_project(two_notes, ONE_SOURCE_A_UNIT)
    facts = two_notes.triples_dir / "test-note-2.trig"
    facts.write_text(facts.read_text("utf-8") + "\nnot TriG\n", "utf-8")
    with pytest.raises(InvalidProject, match=r"test-note-2\.trig"):
        build_project(two_notes, ONE_SOURCE_A_UNIT)
    assert current_build(two_notes) == first
    assert {p.name for p in two_notes.build_dir.iterdir()} == {"current", first.name}


def test_the_work_folder_of_a_killed_build_is_removed(two_notes: Project) -> None:
    killed = two_notes.build_dir / ".build.999999999.0a1b2c3d"  # no process has this id
    (killed / "facts").mkdir(parents=True)
    (killed / "000000.nq").write_text("", "utf-8")
    target = build_project(two_notes, ONE_SOURCE_A_UNIT)
    assert {p.name for p in two_notes.build_dir.iterdir()} == {"current", target.name}
