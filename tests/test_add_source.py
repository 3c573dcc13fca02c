"""add-source: a second source is segmented, validates at once, and its facts cite its sentences."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from alliance_kg.authoring import add_source
from alliance_kg.authoring.segment import SegmentRules, segment
from alliance_kg.cli import main
from alliance_kg.pipeline.assemble import assemble
from alliance_kg.pipeline.build import build_project, check_project
from alliance_kg.pipeline.loading import load_sources
from alliance_kg.pipeline.validate import check_assembly
from alliance_kg.project import Project, source_graph, source_iri

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
