"""Vocabulary nothing uses and classes with a single instance: `validate` warns of them, with
the module and line of each term, and does not fail for them (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_kg.cli import main
from alliance_kg.pipeline.build import check_project
from alliance_kg.pipeline.term_usage import SINGLE, UNUSED, named_in_files
from alliance_kg.project import ONTOLOGY_NS, Project

from .conftest import DATA, overlay

MODULE = "ontology/test-terms.ttl"
LINES = (DATA / "term-usage" / MODULE).read_text("utf-8").splitlines()
# (rule, term): the fixture's terms that must be reported, at the line that declares them. Not
# reported: one marked akg:extensionPoint, a deprecated one, one a view query names, one a shape
# targets, and a class whose scope note explains its single instance.
EXPECTED = {
    (SINGLE, "TestGadget"),
    (UNUSED, "TestMessagedThing"),  # a shape's message names it, which is no use
    (UNUSED, "TestUnusedThing"),
    (UNUSED, "testUnusedLink"),
}


@pytest.fixture
def terms_project(mini_project: Project) -> Project:
    overlay(mini_project, DATA / "term-usage")
    return mini_project


def declared_at(term: str) -> int:
    return LINES.index(f"akg:{term}") + 1


def fixture_warnings(project: Project) -> set[tuple[str, str]]:
    """The warnings about the fixture's terms, each checked to name the line declaring it."""
    found = set()
    for warning in check_project(project).warnings:
        term = (warning.resource or "").removeprefix(ONTOLOGY_NS)
        if term.lower().startswith("test"):
            assert (warning.file, warning.line) == (MODULE, declared_at(term))
            found.add((warning.rule, term))
    return found


def test_unused_terms_and_single_instance_classes_are_reported_at_their_line(
    terms_project: Project,
) -> None:
    assert fixture_warnings(terms_project) == EXPECTED


def test_validate_prints_term_warnings_apart_from_problems(
    terms_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["--project", str(terms_project.root), "validate"])
    out, err = capsys.readouterr()
    unused = (
        f"warning: {MODULE}:{declared_at('TestUnusedThing')}: [unused-term] "
        f"<{ONTOLOGY_NS}TestUnusedThing> akg:TestUnusedThing is declared but"
    )
    single = (
        f"info: {MODULE}:{declared_at('TestGadget')}: [single-instance-class] "
        f"<{ONTOLOGY_NS}TestGadget> akg:TestGadget has a single instance, actor:test-gadget"
    )
    lines = out.splitlines()
    assert any(line.startswith(unused) for line in lines)
    assert any(line.startswith(single) for line in lines)
    [counts] = [line for line in lines if line.startswith("Vocabulary use: ")]
    reported = sum(line.startswith(("warning: ontology/", "info: ontology/")) for line in lines)
    assert counts.endswith(" class(es) with a single instance")
    numbers = [int(word) for word in counts.replace(",", "").split() if word.isdigit()]
    assert sum(numbers) == reported
    assert "unused-term" not in err and "single-instance-class" not in err


def test_a_term_used_by_a_fact_is_no_longer_reported(terms_project: Project) -> None:
    """The widget's instance becomes an unused thing's: the widget is unused now (a note on a
    single instance does not excuse an unused term), and the thing has a single instance."""
    facts = terms_project.triples_dir / "test-note.trig"
    text = facts.read_text("utf-8")
    facts.write_text(text.replace("a akg:TestWidget ;", "a akg:TestUnusedThing ;"), "utf-8")
    assert fixture_warnings(terms_project) == EXPECTED - {(UNUSED, "TestUnusedThing")} | {
        (SINGLE, "TestUnusedThing"),
        (UNUSED, "TestWidget"),
    }


def test_terms_are_not_judged_when_the_reasoner_fails(
    terms_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without inferences, inverse properties and superclasses would look unused."""
    overlay(terms_project, DATA / "invalid" / "disjoint-types")
    report = check_project(terms_project)
    assert "reasoner" in {p.rule for p in report.problems}
    assert report.warnings == []
    main(["--project", str(terms_project.root), "validate"])
    assert "Vocabulary use: not checked" in capsys.readouterr().out


def test_names_are_found_as_iri_prefixed_name_or_python_attribute(tmp_path: Path) -> None:
    code = tmp_path / "code.py"
    names = f'AKG.Claim, "akg:covers", "<{ONTOLOGY_NS}factuality>"'
    code.write_text(names + ", akg_x, AKGX.no, myakg:No\n")
    assert named_in_files([code]) == {"Claim", "covers", "factuality"}
