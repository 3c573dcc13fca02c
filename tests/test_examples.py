"""The example queries: each has a header and an expected-answer file, and returns exactly it;
`alliance-kg examples` reports the ones that differ and `--update` rewrites them, byte for byte
as the tests read them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alliance_kg.cli import main
from alliance_kg.pipeline.examples import Example, outcome
from alliance_kg.project import Project
from alliance_kg.query_files import read_query
from alliance_kg.store.backend import Backend

from .conftest import REPO, copy_project
from .test_cli import loaded_after

QUERIES = Project(REPO).example_queries()
CHANGED = "phases-in-order.tsv"  # the stored answer the command tests alter


def test_there_are_at_least_fifteen_examples() -> None:
    assert len(QUERIES) >= 15


@pytest.mark.parametrize("query", QUERIES, ids=[query.stem for query in QUERIES])
def test_example_has_summary_and_description(query: Path) -> None:
    header = read_query(query).header
    assert header.get("summary"), f"{query.name}: missing `#+ summary:`"
    assert header.get("description"), f"{query.name}: missing `#+ description:`"


@pytest.mark.parametrize("query", QUERIES, ids=[query.stem for query in QUERIES])
def test_example_has_expected_file(query: Path) -> None:
    expected = Example.read(query).expected_path
    assert expected.is_file(), f"{query.name}: no {expected.name}"


@pytest.mark.parametrize("query", QUERIES, ids=[query.stem for query in QUERIES])
def test_example_returns_expected_answers(essay_store: Backend, query: Path) -> None:
    """On the embedded store and on Virtuoso after `alliance-kg publish`: the same answers."""
    found = outcome(essay_store, Example.read(query))
    assert found.matches, f"{query.name}: the answer differs from the stored one\n{found.diff()}"


@pytest.fixture
def built_copy(built: Project, tmp_path: Path) -> Project:
    """A copy of the built project, build included, free to change."""
    project = copy_project(tmp_path)
    shutil.copytree(built.build_dir, project.build_dir, symlinks=True)
    return project


def examples(project: Project, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--project", str(project.root), "examples", *args])
    out, err = capsys.readouterr()
    return code, out + err


def test_examples_reports_a_changed_answer_and_update_restores_it(
    built_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = built_copy.queries_dir / "expected" / CHANGED
    original = stored.read_bytes()
    assert examples(built_copy, capsys) == (
        0,
        f"{len(QUERIES)} example(s) match queries/expected/\n",
    )
    lines = original.decode("utf-8").splitlines(keepends=True)
    stored.write_text("".join(lines[:2] + lines[3:]), "utf-8")  # a row gone, as after an edit
    code, out = examples(built_copy, capsys)
    assert code == 1
    assert f"queries/expected/{CHANGED} differs" in out
    assert "+" + lines[2].removesuffix("\n") in out.splitlines()
    assert "1 of" in out and "alliance-kg examples --update" in out
    assert examples(built_copy, capsys, "--update") == (0, f"updated queries/expected/{CHANGED}\n")
    assert stored.read_bytes() == original
    assert examples(built_copy, capsys)[0] == 0


def test_update_writes_every_answer_byte_for_byte_as_committed(
    built_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """No spurious diff: answers written afresh are the repository's files, format included."""
    expected = built_copy.queries_dir / "expected"
    committed = {path.name: path.read_bytes() for path in expected.iterdir()}
    shutil.rmtree(expected)
    code, out = examples(built_copy, capsys)
    assert code == 1 and "has no stored answer" in out
    assert examples(built_copy, capsys, "--update")[0] == 0
    written = {path.name: path.read_bytes() for path in expected.iterdir()}
    assert sorted(written) == sorted(committed)
    for name, data in committed.items():
        assert written[name] == data, name
    assert examples(built_copy, capsys, "--update") == (
        0,
        f"{len(QUERIES)} example(s) match queries/expected/; nothing to update\n",
    )


def test_examples_help_loads_neither_the_build_nor_the_web() -> None:
    loaded, printed = loaded_after("examples", "--help")
    assert "--update" in printed
    assert not {"alliance_kg.pipeline.build", "flask", "owlready2"} & set(loaded)
