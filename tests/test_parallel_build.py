"""Builds that check several units at once, in worker processes: the same bytes, the same
problems, in the same order, as a build that checks one unit after the other."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from alliance_kg.cli import main
from alliance_kg.pipeline import jobs
from alliance_kg.pipeline.build import build_project, check_project
from alliance_kg.pipeline.jobs import JOB_BYTES, JobLost, in_order
from alliance_kg.pipeline.units import (
    OTHER_SOURCES_GRAPH,
    FactIndex,
    index_facts,
    plan_units,
)
from alliance_kg.project import ID_NS, INFERRED_GRAPH, Project

from .conftest import copy_source

ONE_SOURCE_A_UNIT = 1
STATE = URIRef(ID_NS + "actor/test-state")


@pytest.fixture
def three_notes(mini_project: Project) -> Project:
    """The mini project with two more notes: three units of one source each."""
    for slug in ("test-note-2", "test-note-3"):
        copy_source(mini_project, "test-note", slug)
    assert len(plan_units(mini_project, ONE_SOURCE_A_UNIT)) == 3
    return mini_project


def test_two_jobs_write_the_bytes_of_one(three_notes: Project) -> None:
    one = build_project(three_notes, ONE_SOURCE_A_UNIT, jobs=1)
    data = (one / "dataset.nq").read_bytes()
    manifest = (one / "manifest.json").read_text("utf-8")
    two = build_project(three_notes, ONE_SOURCE_A_UNIT, jobs=2)
    assert two == one
    assert (two / "dataset.nq").read_bytes() == data
    assert (two / "manifest.json").read_text("utf-8") == manifest
    assert b"graph/source/test-note-3>" in data


def test_two_jobs_report_the_problems_of_one_in_the_same_order(three_notes: Project) -> None:
    facts = three_notes.triples_dir / "test-note-2.trig"
    text = facts.read_text("utf-8")
    facts.write_text(text.replace("a akg:State ;", "a akg:AlliancePhase ;"), "utf-8")
    one = check_project(three_notes, ONE_SOURCE_A_UNIT, jobs=1)
    two = check_project(three_notes, ONE_SOURCE_A_UNIT, jobs=2)
    assert {"reasoner", "disjoint-types"} <= {p.rule for p in one.problems}
    assert two.problems == one.problems
    assert (two.inferred, two.coverage, two.warnings) == (one.inferred, one.coverage, one.warnings)


def test_a_unit_is_not_given_what_another_units_reasoner_found(
    three_notes: Project, tmp_path: Path
) -> None:
    """What a unit sees of the others does not depend on which units were checked before it."""
    units = plan_units(three_notes, ONE_SOURCE_A_UNIT)
    index_facts(tmp_path / "facts", units)
    store = ox.Store(str(tmp_path / "facts"))
    found = ox.NamedNode(ID_NS + "class-only-a-reasoner-found")
    typed = ox.NamedNode(str(RDF.type))
    store.add(ox.Quad(ox.NamedNode(STATE), typed, found, ox.NamedNode(INFERRED_GRAPH)))
    del store
    with FactIndex(tmp_path / "facts") as index:
        context = index.context(1, {STATE})[OTHER_SOURCES_GRAPH]
    assert (STATE, RDFS.label, Literal("Test state", lang="en")) in context
    assert (STATE, RDF.type, URIRef(found.value)) not in context


def _answer(shared: int, number: int) -> int:
    if number == 2:
        raise ValueError(f"unit {number} is wrong")
    return shared + number


def _die(shared: int, number: int) -> int:
    os._exit(1)


def test_jobs_answer_in_unit_order_and_raise_what_the_unit_raised() -> None:
    assert list(in_order(_answer, 10, 2, jobs=2)) == [10, 11]
    with pytest.raises(ValueError, match="unit 2 is wrong"):
        list(in_order(_answer, 10, 4, jobs=2))


def test_a_worker_that_dies_is_a_clear_error() -> None:
    with pytest.raises(JobLost, match="fewer --jobs"):
        list(in_order(_die, 0, 2, jobs=2))


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_the_cli_refuses_a_number_of_jobs_below_one(
    jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_status:
        main(["build", "--jobs", jobs])
    assert exit_status.value.code == 2
    assert f"--jobs: '{jobs}' is not a number of jobs (1 or more)" in capsys.readouterr().err


def test_the_default_jobs_are_the_cores_that_the_memory_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "available_cores", lambda: 8)
    for available, expected in ((100 * JOB_BYTES, 8), (3 * JOB_BYTES + 1, 3), (JOB_BYTES // 2, 1)):
        monkeypatch.setattr(jobs, "available_bytes", lambda room=available: room)
        assert jobs.default_jobs() == expected
