"""`alliance-kg report` (issue 14): every problem and smell as a row with a level, as text, TSV
or JSON, and an exit status from the most severe level present and `--fail-on`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alliance_kg.cli import main
from alliance_kg.pipeline.report import Row, report_rows
from alliance_kg.pipeline.report_output import (
    COLUMNS,
    cells,
    fails,
    render_json,
    render_text,
    render_tsv,
)
from alliance_kg.project import Project

from .conftest import DATA, copy_project, copy_source, overlay

NOTE = "triples/test-note.trig"
SMELLS = {  # (level, rule, subject) the mini project with an undeclared term must list
    ("ERROR", "declared-terms", "akg:isFriendOf"),
    ("WARN", "sentence-only-declarations", "s:p1-s1"),
    ("INFO", "entity-without-facts", "alliance:test-alliance"),
    ("INFO", "single-instance-class", "akg:State"),
}


def run(project: Project, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--project", str(project.root), "report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def table_rows(text: str) -> list[list[str]]:
    """The rows of the text table, each cut into its columns."""
    lines = text.splitlines()
    assert lines[0].split(" | ")[0].strip() == "level" and lines[-1].startswith("(")
    return [[cell.strip() for cell in line.split(" | ", 5)] for line in lines[2:-1]]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The mini project with a term used but not declared (`akg:isFriendOf`)."""
    project = copy_project(tmp_path_factory.mktemp("report"), ("ontology", "queries"))
    overlay(project, DATA / "valid")
    overlay(project, DATA / "invalid" / "undeclared-term")
    return project


@pytest.fixture(scope="module")
def rows(broken: Project) -> list[Row]:
    return report_rows(broken)


def test_report_of_the_essay_passes_with_fail_on_error(
    built: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(built, capsys, "--fail-on", "ERROR")
    assert code == 0, out + err
    assert not [row for row in table_rows(out) if row[0] == "ERROR"]
    assert out.splitlines()[-1].endswith(": 0 ERROR, 0 WARN, 0 INFO)")


def test_a_broken_fixture_is_an_error_row_with_its_file_and_line(
    broken: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(broken, capsys)
    assert code == 1
    assert ["ERROR", "declared-terms", NOTE, "50", "akg:isFriendOf"] in [
        row[:5] for row in table_rows(out)
    ]
    assert "report failed" in err


def test_rows_list_problems_warnings_and_smells_with_their_level(rows: list[Row]) -> None:
    assert {(row.level, row.rule, row.subject) for row in rows} >= SMELLS
    assert [row.level for row in rows] == sorted(
        (row.level for row in rows), key=["ERROR", "WARN", "INFO"].index
    )
    facts = (DATA / "invalid" / "undeclared-term" / NOTE).read_text("utf-8").splitlines()
    [sentence] = [row for row in rows if row.rule == "sentence-only-declarations"]
    assert (sentence.file, facts[sentence.line - 1]) == (NOTE, "s:p1-s1 {")
    assert '"The US-Japan alliance is steady."' in sentence.message
    [entity] = [row for row in rows if row.rule == "entity-without-facts"]
    assert facts[entity.line - 1].strip() == "alliance:test-alliance"
    # actor:test-state akg:isFriendOf actor:jane-roe: a fact, so p1-s2 and both actors pass


def test_tsv_and_json_carry_the_same_rows_as_the_table(rows: list[Row]) -> None:
    expected = [cells(row) for row in rows]
    tsv = render_tsv(rows).splitlines()
    assert tsv[0].split("\t") == list(COLUMNS)
    assert [line.split("\t") for line in tsv[1:]] == expected
    data = json.loads(render_json(rows))
    assert [[str(r[c]) if r[c] is not None else "" for c in COLUMNS] for r in data["rows"]] == (
        expected
    )
    assert data["counts"]["ERROR"] == 1 and sum(data["counts"].values()) == len(rows)
    assert table_rows(render_text(rows)) == expected


def test_a_value_with_tabs_and_line_breaks_stays_on_its_line() -> None:
    row = Row("ERROR", "reasoner", "ontology/", None, "", "one\ttwo\nthree \\ four")
    [line] = render_tsv([row]).splitlines()[1:]
    assert line.split("\t")[-1] == "one\\ttwo\\nthree \\\\ four"
    assert json.loads(render_json([row]))["rows"][0]["message"] == row.message


def test_fail_on_fails_at_that_level_or_above() -> None:
    warn = Row("WARN", "unused-term", "ontology/core.ttl", 3, "akg:X", "")
    info = Row("INFO", "single-instance-class", "ontology/core.ttl", 5, "akg:Y", "")
    error = Row("ERROR", "parse", NOTE, 1, "", "")
    assert fails([warn, error], "ERROR") and not fails([warn, info], "ERROR")
    assert fails([warn], "WARN") and not fails([info], "WARN")
    assert fails([info], "INFO") and not fails([], "INFO")
    assert not fails([error], "NONE")


def test_fail_on_warn_fails_a_valid_project_with_a_smell_and_writes_the_file(
    mini_project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "report.json"
    code, out, err = run(
        mini_project, capsys, "--fail-on", "warn", "--format", "json", "-o", str(output)
    )
    assert code == 1 and out == ""
    counts = json.loads(output.read_text("utf-8"))["counts"]
    assert counts["ERROR"] == 0 and counts["WARN"] > 0
    assert f"{counts['WARN']} WARN" in err


def test_a_project_that_does_not_parse_is_reported_without_a_traceback(
    mini_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay(mini_project, DATA / "invalid" / "syntax-error")
    code, out, err = run(mini_project, capsys, "--format", "tsv", "--fail-on", "none")
    assert code == 0 and "Traceback" not in err
    rows = [line.split("\t") for line in out.splitlines()[1:]]
    assert ["ERROR", "parse", NOTE, "43"] in [row[:4] for row in rows]


def test_an_entity_linked_from_another_build_unit_is_not_an_isolated_entity(
    mini_project: Project,
) -> None:
    other = copy_source(mini_project, "test-note", "other-note")
    link = "s:p1-s1 {\n    alliance:test-alliance akg:hasParty actor:test-state .\n}\n"
    other.write_text(other.read_text("utf-8") + "\n" + link, "utf-8")
    rows = report_rows(mini_project, unit_sources=1)
    bare = {(row.file, row.subject) for row in rows if row.rule == "sentence-only-declarations"}
    assert (NOTE, "s:p1-s1") in bare and ("triples/other-note.trig", "s:p1-s1") not in bare
    isolated = {row.subject for row in rows if row.rule == "entity-without-facts"}
    assert not isolated & {"alliance:test-alliance", "actor:test-state"}
