"""`alliance-kg import-template`: cells resolved by IRI, prefixed name, label or literal, rows
applied as one validated edit, all or nothing, and the guide's example as it runs (issue 14)."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef, namespace
from rdflib.namespace import RDF, RDFS, SKOS

from alliance_kg.authoring.import_template import TemplateError, read_template, resolve_rows
from alliance_kg.authoring.name_lookup import (
    Unresolved,
    Vocabulary,
    literal_value,
    resolve_name,
    resolve_property,
    vocabulary,
)
from alliance_kg.cli import main
from alliance_kg.project import Project
from alliance_kg.vocab import AKG

from .conftest import DATA, REPO, copy_project
from .test_guide import GUIDE, blocks, run_shell

ID = "https://w3id.org/alliance-kg/id/"
ESSAY = "us-japan-alliance-adrift-again"
TEMPLATES = DATA / "templates"
EXAMPLE = REPO / "docs" / "examples" / "facts-template.tsv"
GUIDE_SOURCE = "tokyo-and-washington-after-the-election"
WRONG = (
    "sentence\tsubject\tproperty\tobject\n"
    "p1-s1\tWashington\thas agent\tGen. Smith's visit to Tokyo\n"
    "p1-s1\tGen. Smith's visit\tyear\t2007-07\n"
    "p1-s3\tJapan\tis anxious about\tF-4\n"
)
ROW = b"sentence\tsubject\tproperty\tobject\np1-s1\tJapan\ta\tState\n"


@pytest.fixture(scope="module")
def vocab(tmp_path_factory: pytest.TempPathFactory) -> Vocabulary:
    """What the essay's ontology and facts name, read from a copy of the project."""
    return vocabulary(copy_project(tmp_path_factory.mktemp("names")))


def snapshot(project: Project) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in project.root.rglob("*") if path.is_file()}


def run(project: Project, *argv: str) -> tuple[int, str, str]:
    """`alliance-kg --project ROOT ARGV` in-process: its status, standard output and error."""
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8") for _ in range(2))
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--project", str(project.root), *argv])
    out.flush()
    err.flush()
    return code, out.buffer.getvalue().decode(), err.buffer.getvalue().decode()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "kind", "iri"),
    [
        ("actor:japan", "thing", ID + "actor/japan"),
        (f"<{ID}actor/japan>", "thing", ID + "actor/japan"),
        (f"{ID}actor/japan", "thing", ID + "actor/japan"),
        ("Japan", "thing", ID + "actor/japan"),
        ("us-JAPAN ALLIANCE", "thing", ID + "alliance/us-japan-alliance"),
        ("Abe", "thing", ID + "actor/shinzo-abe"),  # an alternative label
        ("is preoccupied with", "property", str(AKG) + "isPreoccupiedWith"),
        ("Alliance phase", "class", str(AKG.AlliancePhase)),
    ],
)
def test_a_name_resolves_by_iri_prefixed_name_label_or_alternative_label(
    vocab: Vocabulary, text: str, kind: str, iri: str
) -> None:
    assert resolve_name(text, kind, vocab) == URIRef(iri)


def test_an_ambiguous_label_lists_its_candidates_with_their_labels(vocab: Vocabulary) -> None:
    with pytest.raises(Unresolved) as raised:
        resolve_name("Washington", "thing", vocab)
    message = str(raised.value)
    assert "'Washington' is a label of 2 resources" in message
    assert "actor:bush-administration ('Bush administration')" in message
    assert "actor:us-political-circles ('US political circles')" in message


def test_an_unknown_label_or_prefix_names_the_nearest(vocab: Vocabulary) -> None:
    with pytest.raises(Unresolved, match=r"nearest: 'Shinzo Abe' \(actor:shinzo-abe\)"):
        resolve_name("Shinzo Abbe", "thing", vocab)
    with pytest.raises(Unresolved, match="unknown prefix 'actr'"):
        resolve_name("actr:japan", "thing", vocab)
    with pytest.raises(
        Unresolved, match=r"akg:isPreocupiedWith is not declared .* nearest: 'is preoccupied with'"
    ):
        resolve_property("akg:isPreocupiedWith", vocab)
    assert resolve_property("a", vocab) == RDF.type


@pytest.mark.parametrize(
    ("text", "prop", "value"),
    [
        ('"2007"^^xsd:gYear', AKG.year, Literal("2007", datatype=namespace.XSD.gYear)),
        ("2007", AKG.year, Literal("2007", datatype=namespace.XSD.gYear)),
        ('"Washington"@en', SKOS.altLabel, Literal("Washington", lang="en")),
        ("Washington", SKOS.altLabel, Literal("Washington", lang="en")),
        ("The Cold War ended", RDFS.label, Literal("The Cold War ended", lang="en")),
        ("true", URIRef(str(AKG) + "isAdrift"), Literal(True)),
        (
            "--07-29",
            URIRef(str(AKG) + "monthDay"),
            Literal("--07-29", datatype=namespace.XSD.gMonthDay),
        ),
        ("0312", SKOS.notation, Literal("0312")),
        ('"1"^^xsd:integer', AKG.sentenceNumber, Literal(1)),
    ],
)
def test_a_literal_is_read_as_turtle_or_typed_by_the_range(
    vocab: Vocabulary, text: str, prop: URIRef, value: Literal
) -> None:
    found = literal_value(text, prop, vocab)
    assert (found, found.datatype, found.language) == (value, value.datatype, value.language)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2007-07", r"'2007-07' is not a valid xsd:gYear, the range of akg:year"),
        ('"2007"^^xsd:gYear extra', "does not parse: write one Turtle literal"),
        ('"2007" ; <urn:p> "x"', "is not a literal"),
    ],
)
def test_a_literal_that_does_not_fit_is_refused(vocab: Vocabulary, text: str, message: str) -> None:
    with pytest.raises(Unresolved, match=message):
        literal_value(text, AKG.year, vocab)


def test_a_csv_template_with_a_byte_order_mark_and_quoted_cells_resolves(
    vocab: Vocabulary, essay_project: Project
) -> None:
    rows = read_template(TEMPLATES / "quoted.csv")
    assert [row.number for row in rows] == [2, 3]
    assert rows[0].get("object") == '"2001-09-11"^^xsd:date'
    assert rows[1].cells["claim kind"] == ""
    resolved = resolve_rows(essay_project, rows, ESSAY, "quoted.csv")
    facts = [item.fact.triple for item in resolved]
    assert facts[0][2] == Literal("2001-09-11", datatype=namespace.XSD.date)
    assert facts[1] == (
        URIRef(ID + "actor/shinzo-abe"),
        RDFS.label,
        Literal("Shinzo Abe, prime minister", lang="en"),
    )


def test_a_tsv_template_keeps_quotes_and_skips_blank_and_comment_rows() -> None:
    rows = read_template(TEMPLATES / "essay-facts.tsv")
    assert [row.number for row in rows] == [3, 4, 5, 6, 8, 9]
    assert rows[4].get("object") == '"2001"^^xsd:gYear'


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        (b"sentence,subjet,property\n", ["no column 'subject'", "did you mean 'subject'?"]),
        (b"sentence\tsubject\tproperty\tobject\np1-s1\tJ\xe9sus\n", ["not UTF-8 (byte 0xe9"]),
        (b"", ["empty; the first row names the columns"]),
    ],
)
def test_a_template_that_cannot_be_read_says_why(
    tmp_path: Path, content: bytes, messages: list[str]
) -> None:
    path = tmp_path / ("t.csv" if content.startswith(b"sentence,") else "t.tsv")
    path.write_bytes(content)
    with pytest.raises(TemplateError) as raised:
        read_template(path)
    for message in messages:
        assert message in str(raised.value)


def test_import_adds_the_rows_that_build_and_query_find_formatted_as_fmt_writes(
    essay_project: Project,
) -> None:
    template = TEMPLATES / "essay-facts.tsv"
    code, out, err = run(essay_project, "import-template", str(template), "--source", ESSAY)
    assert code == 0, err
    assert '  s:p4-s2 "As difficult as it is' in out
    assert "    + issue:alliance-political-capital akg:isPoliticallySignificant true" in out
    assert "akg:coversProperty akg:isPoliticallySignificant" in out  # the issue has a type too
    assert out.rstrip().endswith("added 12 triple(s) to 2 sentence(s); 1 row(s) stated already")
    assert run(essay_project, "fmt", "--check")[0] == 0
    assert run(essay_project, "build")[0] == 0
    query = """PREFIX akg: <https://w3id.org/alliance-kg/ontology/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?sentence ?kind ?holder WHERE {
          ?fact rdf:subject <https://w3id.org/alliance-kg/id/issue/alliance-political-capital> ;
                rdf:predicate akg:isPoliticallySignificant ;
                prov:wasDerivedFrom ?sentence ; akg:claimKind ?kind ; akg:accordingTo ?holder .
        }"""
    code, out, err = run(essay_project, "query", "-e", query, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows == [
        {
            "sentence": f"{ID}source/{ESSAY}/p4-s2",
            "kind": str(AKG) + "Prescription",
            "holder": ID + "actor/yuki-tatsumi",
        }
    ]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("out-of-range.tsv", r"out-of-range\.tsv:2: triples/.*\.trig:\d+: \[literal-range\]"),
        ("unknown-sentence.tsv", r"unknown-sentence\.tsv:2: sentence: 'p9-s1' is unknown"),
    ],
)
def test_a_refused_import_leaves_every_file_as_it_was(
    essay_project: Project, template: str, expected: str
) -> None:
    before = snapshot(essay_project)
    argv = ["import-template", str(TEMPLATES / template), "--source", ESSAY]
    code, out, err = run(essay_project, *argv)
    assert code == 1 and out == ""
    assert re.search(expected, err), err
    assert "no file changed" in err.splitlines()[-1]
    assert "Traceback" not in err
    assert snapshot(essay_project) == before


@pytest.mark.parametrize(
    ("content", "argv", "message"),
    [
        (b"\xff\xfes\x00", [], "not UTF-8"),
        (b"sentence\tsubject\n", [], "no column 'property'"),
        (ROW, [], "which source?"),
        (ROW, ["--source", "x"], "no source 'x'"),
    ],
)
def test_bad_input_is_a_message_and_status_1_not_a_traceback(
    mini_project: Project, tmp_path: Path, content: bytes, argv: list[str], message: str
) -> None:
    path = tmp_path / "bad.tsv"
    path.write_bytes(content)
    code, _, err = run(mini_project, "import-template", str(path), *argv)
    assert code == 1 and message in err and "Traceback" not in err
    code, _, err = run(mini_project, "import-template", str(tmp_path / "missing.tsv"))
    assert code == 1 and "No such file" in err


def test_the_guide_imports_the_example_template_and_prints_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guide's steps up to its template section, run as written; its template is
    docs/examples/facts-template.tsv, and each of its commands prints the text after it."""
    project = copy_project(tmp_path)
    monkeypatch.chdir(project.root)
    shell = [code for language, code in blocks() if language == "sh"]
    first = next(i for i, code in enumerate(shell) if "import-template" in code)
    for code in shell[:first]:
        run_shell(code)
    section = GUIDE.read_text("utf-8").split("## Add facts in bulk from a template")[1]
    shown = re.findall(r"```sh\n.*?```\n\n```text\n(.*?)```", section.split("\n## ")[0], re.S)
    outputs = [run_shell(code) for code in shell[first : first + len(shown)]]
    assert outputs == shown
    assert (project.root / "facts-template.tsv").read_bytes() == EXAMPLE.read_bytes()
    assert run(project, "fmt", "--check")[0] == 0
    (project.root / "wrong.tsv").write_text(WRONG, "utf-8")
    code, _, err = run(project, "import-template", "wrong.tsv", "--source", GUIDE_SOURCE)
    refused = re.search(
        r"nearest labels \(messages cut short\):\n\n```text\n(.*?)```", section, re.S
    )
    assert code == 1 and refused is not None and err == refused[1]
