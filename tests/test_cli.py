"""The `alliance-kg` command: query output formats, validate, export, fmt, and that it imports
a command's modules only when that command runs."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from alliance_kg.cli import main
from alliance_kg.project import Project

ASK = "ASK { ?s ?p ?o }"
SELECT = """PREFIX akg: <https://w3id.org/alliance-kg/ontology/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE { ?phase a akg:AlliancePhase ; rdfs:label ?label } ORDER BY ?label"""
CONSTRUCT = """PREFIX akg: <https://w3id.org/alliance-kg/ontology/>
CONSTRUCT { ?a akg:immediatelyPrecedesPhase ?b } WHERE { ?a akg:immediatelyPrecedesPhase ?b }"""


def run(built: Project, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--project", str(built.root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_query_prints_a_table(built: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(built, capsys, "query", "-e", SELECT)
    lines = out.splitlines()
    assert code == 0
    assert lines[0].strip() == "label"
    assert len(lines) == 4 + 3  # header, rule, four phases, row count
    assert lines[-1] == "(4 rows)"


def test_query_formats(built: Project, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(built, capsys, "query", "-e", SELECT, "--format", "json")
    labels = [b["label"]["value"] for b in json.loads(out)["results"]["bindings"]]
    assert len(labels) == 4 and labels == sorted(labels)
    _, out, _ = run(built, capsys, "query", "-e", SELECT, "--format", "csv")
    assert [row[0] for row in csv.reader(io.StringIO(out))][1:] == labels
    _, out, _ = run(built, capsys, "query", "-e", SELECT, "--format", "tsv")
    assert out.splitlines()[0] == "?label" and len(out.splitlines()) == 5
    _, out, _ = run(built, capsys, "query", "-e", ASK, "--format", "json")
    assert json.loads(out)["boolean"] is True
    _, out, _ = run(built, capsys, "query", "-e", CONSTRUCT, "--format", "turtle")
    assert len(Graph().parse(data=out, format="turtle")) == 3


def test_query_reads_a_file_and_stdin(
    built: Project,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    query = tmp_path / "ask.rq"
    query.write_text(ASK)
    assert run(built, capsys, "query", str(query))[1] == "true\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(ASK))
    assert run(built, capsys, "query", "-")[1] == "true\n"


def test_query_syntax_error_is_reported_without_traceback(
    built: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(built, capsys, "query", "-e", "SELECT ?x WHERE { ?x")
    assert code == 2
    assert "query error" in err and "Traceback" not in err


def test_validate_reports_coverage_per_paragraph(
    built: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(built, capsys, "validate")
    assert code == 0
    assert "us-japan-alliance-adrift-again/p3: 4/4 sentences, 100.0 %" in out
    assert "total: 20/20 sentences, 100.0 %" in out


def test_export_to_a_file(
    built: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "dataset.trig"
    assert run(built, capsys, "export", "--format", "trig", "-o", str(target))[0] == 0
    dataset = Dataset()
    dataset.parse(target, format="trig")
    assert len(list(dataset.quads())) == len(
        (built.build_dir / "current" / "dataset.nq").read_text().splitlines()
    )


def test_fmt_check_passes_on_the_repository_and_flags_an_unformatted_file(
    built: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(built, capsys, "fmt", "--check")[0] == 0
    project = tmp_path / "p"
    shutil.copytree(built.root / "ontology", project / "ontology")
    module = project / "ontology" / "roles.ttl"
    module.write_text(module.read_text("utf-8").replace("    ", "  "), "utf-8")
    code, out, _ = run(Project(project), capsys, "fmt", "--check")
    assert code == 1 and "ontology/roles.ttl" in out
    assert run(Project(project), capsys, "fmt")[0] == 0
    assert run(Project(project), capsys, "fmt", "--check")[0] == 0


def test_fmt_names_the_line_of_a_syntax_error_and_leaves_every_file_as_it_was(
    built: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project = tmp_path / "p"
    shutil.copytree(built.root / "ontology", project / "ontology")
    module = project / "ontology" / "roles.ttl"
    lines = module.read_text("utf-8").splitlines(keepends=True)
    lines[11] = lines[11].replace("rdfs:", "undeclared:", 1)  # a prefix the file never binds
    broken = "".join(lines)
    module.write_text(broken, "utf-8")
    other = project / "ontology" / "actors.ttl"
    other.write_text(other.read_text("utf-8").replace("    ", "  "), "utf-8")
    code, out, err = run(Project(project), capsys, "fmt")
    assert code == 1
    assert "ontology/roles.ttl:12" in err and "Traceback" not in err
    assert module.read_text("utf-8") == broken
    assert "reformatted ontology/actors.ttl" in out  # the other files are still formatted


def test_console_command_is_installed() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("alliance-kg")), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    for command in (
        "validate",
        "build",
        "export",
        "query",
        "fmt",
        "serve",
        "new-term",
        "add-source",
        "diff",
    ):
        assert command in result.stdout


HEAVY = ("flask", "werkzeug", "pyoxigraph", "owlready2", "pyshacl")
HEAVY_OWN = ("alliance_kg.app", "alliance_kg.serving", "alliance_kg.pipeline.build")


def loaded_after(*argv: str) -> tuple[list[str], str]:
    """In a fresh interpreter, import the command line and run it with `argv` if any: what it
    prints, and which heavy modules it then holds."""
    run = f"with contextlib.suppress(SystemExit): main({list(argv)!r})" if argv else ""
    probe = (
        f"import contextlib, json, sys\nfrom alliance_kg.cli import main\n{run}\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}"
        f" or m.startswith({HEAVY_OWN!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    *printed, loaded = result.stdout.strip().splitlines()
    return json.loads(loaded), "\n".join(printed)


def test_the_command_line_imports_a_command_module_only_when_it_runs(tmp_path: Path) -> None:
    assert loaded_after() == ([], "")
    loaded, printed = loaded_after("--help")
    assert loaded == [] and "serve" in printed and "new-term" in printed
    assert loaded_after("--project", str(tmp_path), "fmt", "--check") == ([], "")
    loaded, printed = loaded_after("query", "--help")
    assert "--expression" in printed and "pyoxigraph" in loaded and "flask" not in loaded
