"""add-source: a second source is segmented, validates at once, and its facts cite its sentences."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS

from alliance_kg.authoring import add_source
from alliance_kg.authoring.segment import SegmentRules, segment
from alliance_kg.cli import main
from alliance_kg.pipeline.assemble import assemble
from alliance_kg.pipeline.build import build_project, check_project
from alliance_kg.pipeline.loading import load_sources
from alliance_kg.pipeline.validate import check_assembly
from alliance_kg.project import Project, source_graph, source_iri
from alliance_kg.vocab import NIF

from .conftest import DATA, copy_project

TEXT = DATA / "new-source" / "after-the-election.txt"
SLUG = "after-the-election"
DOC = source_iri(SLUG)
TITLE = "Tokyo and Washington After the Election"
FACTS = """
PREFIX actor: <https://w3id.org/alliance-kg/id/actor/>
PREFIX event: <https://w3id.org/alliance-kg/id/event/>
PREFIX weapon: <https://w3id.org/alliance-kg/id/weapon/>

s:p1-s1 {
    event:smith-visit-to-tokyo a akg:Event ;
        rdfs:label "Gen. Smith's visit to Tokyo"@en ;
        akg:takesPlaceIn actor:japan .
}

s:p1-s3 {
    actor:japan akg:operates weapon:japanese-f-4-fighters .
}
"""
CITED = f"""PREFIX akg: <https://w3id.org/alliance-kg/ontology/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?predicate ?sentence WHERE {{
  ?statement akg:assertedIn <{source_graph(SLUG)}> ;
             rdf:predicate ?predicate ; prov:wasDerivedFrom ?sentence .
}}"""


def run_add_source(project: Project, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_source.add_arguments(parser)
    return add_source.run(parser.parse_args([str(TEXT), *argv]), project)


def add_args() -> tuple[str, ...]:
    return ("--title", TITLE, "--author", "Jane Roe", "--date", "2007-08-15", "--slug", SLUG)


@pytest.fixture(scope="module")
def added(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, list[str], list[str]]:
    """The essay project after add-source: its problems and warnings straight after, then
    after two facts added by hand and a build."""
    project = copy_project(tmp_path_factory.mktemp("added"))
    assert run_add_source(project, *add_args()) == 0
    fresh = check_project(project)
    before = [str(p) for p in fresh.problems], fresh.coverage.warnings()
    facts = project.triples_dir / f"{SLUG}.trig"
    facts.write_text(facts.read_text("utf-8") + FACTS, "utf-8")
    build_project(project)
    return project, *before


def test_sentences_keep_abbreviations_initials_quotes_and_dashes() -> None:
    text = TEXT.read_text("utf-8")
    parts = segment(text)
    sentences = [s.text for p in parts.paragraphs for s in p.sentences]
    assert sentences == [
        "After the July 29 election, Gen. John A. Smith of the U.S. Army visited Tokyo.",
        "He told reporters: “The US-Japan alliance is not adrift.”",
        "Japan—still anxious about the F-4 fighters—welcomed the visit.",
        "The Bush administration sent Lt. Col. R. J. Doe, No. 3 on the Pentagon's list, "
        "to follow up.",
        "Nobody expected a breakthrough.",
    ]
    spans = [parts.title, parts.byline, *parts.paragraphs]
    spans += [s for p in parts.paragraphs for s in p.sentences]
    assert all(text[s.begin : s.end] == s.text for s in spans if s)
    assert parts.author == "Jane Roe"
    assert parts.boilerplate is not None and parts.boilerplate.text.startswith("Share on")


def test_boilerplate_rule_can_be_overridden() -> None:
    text = TEXT.read_text("utf-8")
    assert segment(text, SegmentRules(None)).boilerplate is None
    last = segment(text, SegmentRules(None)).paragraphs[-1]
    assert last.text == "Share on twitter\nShare on email"
    parts = segment(text, SegmentRules(r"^The Bush administration"))
    assert parts.boilerplate is not None and parts.boilerplate.text.startswith("The Bush")
    assert len(parts.paragraphs) == 1


def test_a_byline_on_its_own_line_is_not_a_paragraph() -> None:
    parts = segment("A Title\n\nBy Jane Roe\n\nFirst sentence. Second one.\n")
    assert parts.byline is not None and parts.byline.text == "By Jane Roe"
    assert [p.text for p in parts.paragraphs] == ["First sentence. Second one."]


def test_project_validates_straight_after_add_source_with_a_coverage_warning(
    added: tuple[Project, list[str], list[str]],
) -> None:
    project, problems, warnings = added
    assert problems == []
    assert warnings == [
        f"warning: source {SLUG} is incomplete (akg:isComplete false): 0/5 sentences covered, "
        "0.0 %; set akg:isComplete true when every sentence states a fact"
    ]
    assert (project.sources_dir / f"{SLUG}.txt").read_bytes() == TEXT.read_bytes()


def test_suggestions_are_kept_out_of_the_build(added: tuple[Project, list[str], list[str]]) -> None:
    project = added[0]
    suggestions = Graph().parse(project.triples_dir / "suggestions" / f"{SLUG}.ttl")
    mention = URIRef("https://w3id.org/alliance-kg/ontology/suggestedMention")
    suggested = set(suggestions.objects(URIRef(f"{DOC}/p1-s3"), mention))
    assert URIRef("https://w3id.org/alliance-kg/id/actor/japan") in suggested
    built = Dataset()
    built.parse(project.build_dir / "current" / "dataset.nq", format="nquads")
    assert not list(built.quads((None, mention, None, None)))


def test_facts_of_the_new_source_cite_its_own_sentences(
    added: tuple[Project, list[str], list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    project = added[0]
    code = main(["--project", str(project.root), "query", "-e", CITED, "--format", "json"])
    rows = json.loads(capsys.readouterr().out)["results"]["bindings"]
    assert code == 0
    predicates = {row["predicate"]["value"].rsplit("/", 1)[-1] for row in rows}
    assert {"takesPlaceIn", "operates"} <= predicates
    cited = {row["sentence"]["value"] for row in rows}
    assert {f"{DOC}/p1-s1", f"{DOC}/p1-s3"} <= cited
    assert all(s.startswith(f"{DOC}/") for s in cited)


def test_query_cli_finds_the_new_source_by_its_title(
    added: tuple[Project, list[str], list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    query = f'SELECT ?doc WHERE {{ ?doc <http://purl.org/dc/terms/title> "{TITLE}"@en }}'
    assert main(["--project", str(added[0].root), "query", "-e", query]) == 0
    assert DOC in capsys.readouterr().out
    manifest = json.loads((added[0].build_dir / "current" / "manifest.json").read_text())
    assert source_graph(SLUG) in manifest["graphs"]


def test_a_source_marked_complete_is_held_to_full_coverage(
    added: tuple[Project, list[str], list[str]], tmp_path: Path
) -> None:
    project = Project(tmp_path)
    for part in ("ontology", "triples", "queries"):
        shutil.copytree(added[0].root / part, tmp_path / part)
    facts = project.triples_dir / f"{SLUG}.trig"
    text = facts.read_text("utf-8")
    facts.write_text(text.replace("akg:isComplete false", "akg:isComplete true"), "utf-8")
    sources = load_sources(project)
    problems = check_assembly(project, sources, assemble(sources))
    uncovered = sorted(p.resource for p in problems if p.rule == "uncovered-sentence-violation")
    assert uncovered == [f"{DOC}/p1-s2", f"{DOC}/p2-s1", f"{DOC}/p2-s2"]


def test_add_source_refuses_a_taken_slug_and_a_wrong_title(
    added: tuple[Project, list[str], list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    project = added[0]
    assert run_add_source(project, *add_args()) == 1
    assert "exists already" in capsys.readouterr().err
    assert run_add_source(project, "--title", "Another Title", "--author", "Jane Roe") == 1
    assert "must start with its title" in capsys.readouterr().err
    wrong_author = ("--title", TITLE, "--author", "John Doe", "--slug", "other")
    assert run_add_source(project, *wrong_author) == 1
    assert "byline names 'Jane Roe'" in capsys.readouterr().err


EDGE = DATA / "new-source-edge-cases"
PICARD = ("--title", "Picard on the Pacific Alliance", "--author", "Jean-Luc Picard")
UNSIGNED = ("--title", "An Unsigned Note on the Alliance", "--author", "Jane Roe")
FURNITURE = ("--title", "A Note With Other Furniture", "--author", "Conan O'Brien")
WRAPPED = ("--title", "Alliance Managers in a Wrapped Text", "--author", "Mary Smith-Jones")


def cli(project: Project, file: Path, *argv: str) -> int:
    """`alliance-kg add-source FILE ARGV` on `project`, as a curator runs it."""
    return main(["--project", str(project.root), "add-source", str(file), *argv])


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def description(project: Project, slug: str) -> Graph:
    return Graph().parse(project.sources_dir / f"{slug}.ttl")


def anchor(graph: Graph, iri: str) -> str | None:
    value = graph.value(URIRef(iri), NIF.anchorOf)
    return None if value is None else str(value)


def graph_holding(project: Project, slug: str, predicate: URIRef) -> str:
    """The name of the graph of the new facts file that holds `predicate`."""
    dataset = Dataset()
    dataset.parse(project.triples_dir / f"{slug}.trig", format="trig")
    (graph,) = {str(g) for _, p, _, g in dataset.quads((None, predicate, None, None))}
    return graph


@pytest.fixture
def fresh(tmp_path: Path) -> Project:
    return copy_project(tmp_path)


def test_issue_14_a_hyphenated_author_gets_a_byline_not_a_sentence(
    fresh: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(fresh, EDGE / "hyphenated-author.txt", *PICARD) == 0
    assert "byline found" in capsys.readouterr().out
    slug, doc = "picard-on-the-pacific-alliance", source_iri("picard-on-the-pacific-alliance")
    text = description(fresh, slug)
    assert anchor(text, f"{doc}/byline") == "By Jean-Luc Picard"
    assert anchor(text, f"{doc}/p1-s1") == "Approx. 300 officers met in Yokosuka."
    assert graph_holding(fresh, slug, DCTERMS.creator) == f"{doc}/byline"


def test_issue_14_a_text_without_the_byline_is_refused_and_nothing_is_written(
    fresh: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_under(fresh.root)
    assert cli(fresh, EDGE / "no-byline.txt", *UNSIGNED) == 1
    captured = capsys.readouterr()
    assert "no byline found: looked for a block after the title that starts 'By Jane Roe'" in (
        captured.err
    )
    assert "--no-byline" in captured.err and "nothing was written" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert files_under(fresh.root) == before


def test_issue_14_no_byline_records_the_author_as_background_knowledge(
    fresh: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(fresh, EDGE / "no-byline.txt", *UNSIGNED, "--no-byline") == 0
    assert "no byline" in capsys.readouterr().out
    slug = "an-unsigned-note-on-the-alliance"
    background = "https://w3id.org/alliance-kg/id/background/"
    assert graph_holding(fresh, slug, DCTERMS.creator) == f"{background}{slug}-details"
    text = description(fresh, slug)
    assert anchor(text, f"{source_iri(slug)}/byline") is None
    note = str(text.value(URIRef(source_iri(slug)), SKOS.editorialNote))
    assert note.endswith("; the text has no byline.")


def test_issue_14_no_byline_is_refused_when_the_text_prints_one(
    fresh: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_under(fresh.root)
    assert cli(fresh, EDGE / "hyphenated-author.txt", *PICARD, "--no-byline") == 1
    assert "--no-byline, but the text prints the byline 'By Jean-Luc Picard'" in (
        capsys.readouterr().err
    )
    assert files_under(fresh.root) == before


@pytest.mark.parametrize("marker", [None, "^Tweet this"])
def test_issue_14_a_boilerplate_marker_that_matches_nothing_is_refused(
    fresh: Project, capsys: pytest.CaptureFixture[str], marker: str | None
) -> None:
    before = files_under(fresh.root)
    chosen = ("--boilerplate-marker", marker) if marker else ()
    assert cli(fresh, EDGE / "other-furniture.txt", *FURNITURE, *chosen) == 1
    err = capsys.readouterr().err
    assert f"the boilerplate marker {marker or '^Share on '!r} matches no line of the text" in err
    assert "--no-boilerplate" in err and "Traceback" not in err
    assert files_under(fresh.root) == before


def test_issue_14_a_marker_that_matches_or_no_boilerplate_is_accepted(fresh: Project) -> None:
    assert (
        cli(fresh, EDGE / "other-furniture.txt", *FURNITURE, "--boilerplate-marker", "^Follow") == 0
    )
    doc = source_iri("a-note-with-other-furniture")
    assert anchor(description(fresh, "a-note-with-other-furniture"), f"{doc}/boilerplate") == (
        "Follow us on twitter\nSubscribe to our newsletter"
    )
    unmarked = (*FURNITURE, "--no-boilerplate", "--slug", "unmarked")
    assert cli(fresh, EDGE / "other-furniture.txt", *unmarked) == 0


def test_issue_14_every_problem_is_reported_at_once(
    fresh: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    file = EDGE / "no-byline.txt"
    assert cli(fresh, file, *UNSIGNED, "--boilerplate-marker", "^Tweet") == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(f"add-source: {file}: the boilerplate marker '^Tweet' matches no")
    assert lines[1].startswith(f"add-source: {file}: no byline found: looked for")
    assert lines[2:] == ["add-source: nothing was written"]


def test_issue_14_a_wrapped_source_validates_with_offsets_into_the_unchanged_text(
    fresh: Project, tmp_path: Path
) -> None:
    windows = tmp_path / "windows.txt"
    windows.write_bytes((EDGE / "wrapped.txt").read_bytes().replace(b"\n", b"\r\n"))
    assert cli(fresh, EDGE / "wrapped.txt", *WRAPPED) == 0
    assert cli(fresh, windows, *WRAPPED, "--slug", "windows") == 0
    assert (fresh.sources_dir / "windows.txt").read_bytes() == windows.read_bytes()
    sentence = "Gen. Smith and Lt. Col. Doe reported to Pres. Bush,\nwho was pleased."
    for slug in ("alliance-managers-in-a-wrapped-text", "windows"):
        assert anchor(description(fresh, slug), f"{source_iri(slug)}/p2-s1") == sentence
    sources = load_sources(fresh)
    assert [str(p) for p in check_assembly(fresh, sources, assemble(sources))] == []


def broken_facts(project: Project) -> Path:
    (project.triples_dir / "broken.trig").write_text("s:p1-s1 { nonsense", "utf-8")
    return EDGE / "hyphenated-author.txt"


def not_utf8(project: Project) -> Path:
    path = project.root / "latin-1.txt"
    path.write_bytes(
        "Picard on the Pacific Alliance\n\nBy Jean-Luc Picard - Caf\xe9.\n".encode("latin-1")
    )
    return path


@pytest.mark.parametrize(
    ("make_file", "argv", "message"),
    [
        (lambda p: p.root / "missing.txt", PICARD, "No such file or directory"),
        (not_utf8, PICARD, "latin-1.txt is not UTF-8 (byte 56 cannot"),
        (
            lambda p: EDGE / "hyphenated-author.txt",
            (*PICARD, "--boilerplate-marker", "("),
            "cannot segment",
        ),
        (lambda p: EDGE / "hyphenated-author.txt", (*PICARD[:3], " "), "--author is empty"),
        (broken_facts, PICARD, "broken.trig does not parse"),
    ],
    ids=["missing", "not-utf-8", "bad-marker", "empty-author", "broken-facts"],
)
def test_issue_14_a_refusal_is_a_message_on_stderr_not_a_traceback(
    fresh: Project,
    capsys: pytest.CaptureFixture[str],
    make_file: Callable[[Project], Path],
    argv: tuple[str, ...],
    message: str,
) -> None:
    file = make_file(fresh)
    before = files_under(fresh.root)
    assert cli(fresh, file, *argv) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("add-source: ") and message in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert files_under(fresh.root) == before


def test_a_failure_part_way_through_writing_leaves_nothing_behind(
    fresh: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = fresh.triples_dir / "suggestions" / "picard-on-the-pacific-alliance.ttl"
    blocker.parent.mkdir()
    blocker.write_text("# in the way\n", "utf-8")
    before = files_under(fresh.root)
    assert cli(fresh, EDGE / "hyphenated-author.txt", *PICARD) == 1
    assert "File exists" in capsys.readouterr().err
    assert files_under(fresh.root) == before
